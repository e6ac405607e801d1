using System.Runtime.InteropServices;
using System.Text;

namespace Affiliate.Sdk.IO;

/// <summary>Durable-write helper shared by the SDK's file-backed parts and by adapters that keep state in files.</summary>
public static class DurableDirectory
{
    /// <summary>
    /// Makes a directory's entries (created, renamed and deleted files) durable. POSIX needs an fsync of the directory
    /// itself, which .NET cannot open; Windows (NTFS) journals metadata and has nothing to do here. Call it after a rename
    /// that commits a file (the local log, the local lake store and file checkpoint stores do).
    /// </summary>
    /// <param name="directory">The directory whose entries changed.</param>
    /// <exception cref="IOException">The directory cannot be opened or flushed.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Encoding.UTF8.GetBytes(Path.GetFullPath(directory) + "\0");
        var fd = NativeMethods.open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();

                // EINVAL: the file system cannot sync directories (some network and virtual file systems); nothing to do.
                if (errno != 22)
                {
                    throw new IOException($"Flushing directory '{directory}' to disk failed (errno {errno}).");
                }
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for this one call; the signature is blittable.
        public static extern int open(byte[] path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
#pragma warning restore SYSLIB1054
    }
}
