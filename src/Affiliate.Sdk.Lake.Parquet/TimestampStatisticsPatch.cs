using System.Buffers.Binary;
using System.Text;

namespace Affiliate.Sdk.Lake.Parquet;

/// <summary>
/// Corrects the column-chunk statistics of microsecond timestamp columns in a Parquet footer written by Parquet.Net
/// 6.1.0, which stores their min/max in milliseconds while the values are microseconds (upstream issue
/// aloneguid/parquet-dotnet#769). Wrong statistics make engines that prune row groups (DuckDB) skip rows that match
/// a time filter. The footer is walked with a minimal Thrift compact-protocol reader and the 8-byte min/max values
/// are overwritten in place with the true bounds, so the footer's length and structure are unchanged.
/// </summary>
internal static class TimestampStatisticsPatch
{
    private const int FooterTrailer = 8; // 4-byte footer length + "PAR1"

    /// <summary>Overwrites the statistics of the given columns, per row group, with their true bounds in microseconds.</summary>
    /// <param name="file">The whole Parquet file: readable, writable and seekable.</param>
    /// <param name="bounds">Per row group (in file order): column name → (min, max) in microseconds since the Unix epoch.</param>
    public static void Apply(Stream file, IReadOnlyList<IReadOnlyDictionary<string, (long Min, long Max)>> bounds)
    {
        if (file.Length < 12)
        {
            throw new InvalidDataException("The stream is too short to be a Parquet file.");
        }

        Span<byte> trailer = stackalloc byte[FooterTrailer];
        file.Position = file.Length - FooterTrailer;
        file.ReadExactly(trailer);
        if (!trailer[4..].SequenceEqual("PAR1"u8))
        {
            throw new InvalidDataException("The stream does not end with a Parquet footer.");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        var footerStart = file.Length - FooterTrailer - footerLength;
        var footer = new byte[footerLength];
        file.Position = footerStart;
        file.ReadExactly(footer);

        var reader = new Reader(footer);
        var chunks = new List<Chunk>();
        reader.FileMetaData(chunks);
        var patched = false;
        foreach (var chunk in chunks)
        {
            if (chunk.RowGroup >= bounds.Count || chunk.Column is null || !bounds[chunk.RowGroup].TryGetValue(chunk.Column, out var b))
            {
                continue;
            }

            foreach (var (offset, isMax) in chunk.Values)
            {
                BinaryPrimitives.WriteInt64LittleEndian(footer.AsSpan(offset, 8), isMax ? b.Max : b.Min);
                patched = true;
            }
        }

        if (patched)
        {
            file.Position = footerStart;
            file.Write(footer);
        }

        file.Position = file.Length;
    }

    private sealed class Chunk(int rowGroup)
    {
        public int RowGroup { get; } = rowGroup;

        public string? Column { get; set; }

        /// <summary>Offsets in the footer of 8-byte statistics values, and whether each is a max.</summary>
        public List<(int Offset, bool IsMax)> Values { get; } = [];
    }

    /// <summary>Just enough of the Thrift compact protocol to find the statistics of each column chunk.</summary>
    private ref struct Reader(byte[] data)
    {
        private const int Stop = 0, BoolTrue = 1, BoolFalse = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;
        private readonly byte[] _data = data;
        private int _pos;

        public void FileMetaData(List<Chunk> chunks)
        {
            short id = 0;
            while (NextField(ref id, out var type))
            {
                if (id == 4 && type == List)
                {
                    var (count, _) = ListHeader();
                    for (var g = 0; g < count; g++)
                    {
                        RowGroup(g, chunks);
                    }
                }
                else
                {
                    Skip(type);
                }
            }
        }

        private void RowGroup(int index, List<Chunk> chunks)
        {
            short id = 0;
            while (NextField(ref id, out var type))
            {
                if (id == 1 && type == List)
                {
                    var (count, _) = ListHeader();
                    for (var c = 0; c < count; c++)
                    {
                        var chunk = new Chunk(index);
                        ColumnChunk(chunk);
                        chunks.Add(chunk);
                    }
                }
                else
                {
                    Skip(type);
                }
            }
        }

        private void ColumnChunk(Chunk chunk)
        {
            short id = 0;
            while (NextField(ref id, out var type))
            {
                if (id == 3 && type == Struct)
                {
                    ColumnMetaData(chunk);
                }
                else
                {
                    Skip(type);
                }
            }
        }

        private void ColumnMetaData(Chunk chunk)
        {
            short id = 0;
            while (NextField(ref id, out var type))
            {
                if (id == 3 && type == List)
                {
                    var (count, _) = ListHeader();
                    var path = new List<string>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var (start, length) = BinaryValue();
                        path.Add(Encoding.UTF8.GetString(_data, start, length));
                    }

                    chunk.Column = string.Join('.', path);
                }
                else if (id == 12 && type == Struct)
                {
                    Statistics(chunk);
                }
                else
                {
                    Skip(type);
                }
            }
        }

        private void Statistics(Chunk chunk)
        {
            short id = 0;
            while (NextField(ref id, out var type))
            {
                if (type == Binary && id is 1 or 2 or 5 or 6)
                {
                    var (start, length) = BinaryValue();
                    if (length == 8)
                    {
                        chunk.Values.Add((start, id is 1 or 5));
                    }
                }
                else
                {
                    Skip(type);
                }
            }
        }

        private bool NextField(ref short id, out int type)
        {
            var header = _data[_pos++];
            type = header & 0x0F;
            if (type == Stop)
            {
                return false;
            }

            var delta = header >> 4;
            id = delta == 0 ? (short)ZigZag(Varint()) : (short)(id + delta);
            return true;
        }

        private (int Count, int ElementType) ListHeader()
        {
            var header = _data[_pos++];
            var count = header >> 4;
            if (count == 15)
            {
                count = checked((int)Varint());
            }

            return (count, header & 0x0F);
        }

        private (int Start, int Length) BinaryValue()
        {
            var length = checked((int)Varint());
            var start = _pos;
            _pos += length;
            if (_pos > _data.Length)
            {
                throw new InvalidDataException("A Parquet footer field runs past the footer.");
            }

            return (start, length);
        }

        private void Skip(int type)
        {
            switch (type)
            {
                case BoolTrue or BoolFalse:
                    break;
                case Byte:
                    _pos++;
                    break;
                case I16 or I32 or I64:
                    Varint();
                    break;
                case Double:
                    _pos += 8;
                    break;
                case Binary:
                    BinaryValue();
                    break;
                case List or Set:
                    var (count, element) = ListHeader();
                    for (var i = 0; i < count; i++)
                    {
                        SkipElement(element);
                    }

                    break;
                case Map:
                    var size = checked((int)Varint());
                    if (size > 0)
                    {
                        var types = _data[_pos++];
                        for (var i = 0; i < size; i++)
                        {
                            SkipElement(types >> 4);
                            SkipElement(types & 0x0F);
                        }
                    }

                    break;
                case Struct:
                    short id = 0;
                    while (NextField(ref id, out var inner))
                    {
                        Skip(inner);
                    }

                    break;
                default:
                    throw new InvalidDataException($"Unknown Thrift compact type {type} in a Parquet footer.");
            }
        }

        private void SkipElement(int type)
        {
            // Inside lists and maps a boolean takes one byte.
            if (type is BoolTrue or BoolFalse)
            {
                _pos++;
            }
            else
            {
                Skip(type);
            }
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new InvalidDataException("A varint in a Parquet footer is too long.");
        }

        private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
    }
}
