namespace Recd.Logging;

/// <summary>The "Log" section of a board profile.</summary>
public sealed class LogOptions
{
    /// <summary>Also send every line to syslog (stderr stays the first sink): for BusyBox and OpenWrt boards whose init does not capture stderr.</summary>
    public bool Syslog { get; set; }

    /// <summary>The local syslog datagram socket ('@name' for an abstract one).</summary>
    public string SyslogSocket { get; set; } = "/dev/log";
}
