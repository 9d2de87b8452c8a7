namespace Recd.Logging;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// Line log to stderr (journald and procd both take stderr), plus a small in-memory ring of recent
/// lines for the diagnostics console. Thread-safe; never throws into the caller.
/// </summary>
public static class Log
{
    private const int RingSize = 256;
    private static readonly string[] Ring = new string[RingSize];
    private static readonly object Gate = new();
    private static long _count;

    public static LogLevel MinLevel { get; set; } = LogLevel.Info;

    public static void Debug(string message) => Write(LogLevel.Debug, message);
    public static void Info(string message) => Write(LogLevel.Info, message);
    public static void Warn(string message) => Write(LogLevel.Warn, message);
    public static void Error(string message) => Write(LogLevel.Error, message);

    public static void Write(LogLevel level, string message)
    {
        if (level < MinLevel) return;
        string line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {Tag(level)} {message}";
        lock (Gate)
        {
            Ring[_count++ % RingSize] = line;
            try { Console.Error.WriteLine(line); } catch (IOException) { /* stderr gone: keep recording */ }
        }
    }

    /// <summary>The most recent lines, oldest first.</summary>
    public static string[] Recent(int max)
    {
        lock (Gate)
        {
            int n = (int)Math.Min(Math.Min(max, RingSize), _count);
            var result = new string[n];
            for (int i = 0; i < n; i++) result[i] = Ring[(_count - n + i) % RingSize];
            return result;
        }
    }

    private static string Tag(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info ",
        LogLevel.Warn => "warn ",
        _ => "error",
    };
}
