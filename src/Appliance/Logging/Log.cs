namespace Recd.Logging;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// Line log to stderr (journald and procd both take stderr), plus a small in-memory ring of recent
/// lines for the diagnostics console. Thread-safe; never blocks on stderr and never throws into the
/// caller: lines go through <see cref="LogSink"/>'s bounded queue and its own writer thread.
/// </summary>
public static class Log
{
    // ~1024 lines of ~150 bytes: 150 KiB at most held for a stalled stderr, on top of the pipe's 64 KiB.
    private const int QueueLines = 1024;
    private static readonly LogSink Sink = new(fd: 2, QueueLines);

    public static LogLevel MinLevel { get; set; } = LogLevel.Info;

    /// <summary>Lines lost since start because stderr did not take them in time (or refused them).</summary>
    public static long Dropped => Sink.Dropped;

    public static void Debug(string message) => Write(LogLevel.Debug, message);
    public static void Info(string message) => Write(LogLevel.Info, message);
    public static void Warn(string message) => Write(LogLevel.Warn, message);
    public static void Error(string message) => Write(LogLevel.Error, message);

    public static void Write(LogLevel level, string message)
    {
        if (level < MinLevel) return;
        Sink.Write(level, message);
    }

    /// <summary>Lines syslog did not take, if it is on (see <see cref="LogOptions.Syslog"/>).</summary>
    public static long SyslogDropped => Sink.Syslog?.Dropped ?? 0;

    /// <summary>Adds syslog as a second sink; false if the socket name is unusable.</summary>
    public static bool EnableSyslog(string socketPath)
    {
        var sender = new SyslogSender(socketPath);
        if (!sender.Usable) { sender.Dispose(); return false; }
        Sink.Syslog = sender;
        return true;
    }

    /// <summary>The most recent lines, oldest first.</summary>
    public static string[] Recent(int max) => Sink.Recent(max);

    /// <summary>Waits for queued lines to reach stderr, at most <paramref name="timeout"/>; false if they did not.</summary>
    public static bool Flush(TimeSpan timeout) => Sink.Flush(timeout);
}
