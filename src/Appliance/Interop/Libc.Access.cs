using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    internal const int W_OK = 2, X_OK = 1;

    /// <summary>access(2): checked with the real uid, which after the privilege drop is the service user's.</summary>
    [LibraryImport(Name, EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Access(string path, int mode);
}
