using System.Runtime.CompilerServices;

namespace Recd.Tests.Support;

internal static class QuietLog
{
    /// <summary>Tests assert on outcomes; info lines from hundreds of stores would bury the failures.</summary>
    [ModuleInitializer]
    internal static void Init() => Recd.Logging.Log.MinLevel = Recd.Logging.LogLevel.Error;
}
