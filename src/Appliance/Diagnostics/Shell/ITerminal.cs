namespace Recd.Diagnostics.Shell;

/// <summary>One end a shell session talks to: a tty the daemon opened, or a "recd console" socket.</summary>
public interface ITerminal : IDisposable
{
    /// <summary>Keystrokes, line edited here (true), or whole lines edited by the other end (false: plain line reads).</summary>
    bool Raw { get; }

    /// <summary>Bytes read (&gt; 0), 0 if none came within timeoutMs, -1 when the other end is gone.</summary>
    int Read(Span<byte> buffer, int timeoutMs);

    /// <summary>Never blocks: see <see cref="OutputPump"/>.</summary>
    void Write(string text);
}
