namespace Recd.Ingest;

/// <summary>Where the HTTP ingest listens, from the profile's "Listen" section.</summary>
public sealed class ListenOptions
{
    /// <summary>127.0.0.1 on the development host; boards use 0.0.0.0 (or "::").</summary>
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8554;

    public int Backlog { get; set; } = 64;

    /// <summary>If set, the bound port is written here once listening (tests and scripts use port 0).</summary>
    public string? PortFile { get; set; }
}
