using Recd.Logging;

namespace Recd.Ingest;

/// <summary>
/// Every 4xx/5xx recd answers goes through <see cref="Note"/>: one short log line with the client and
/// the reason (a 411 or a 409 used to leave no trace), and a count by status for the metrics.
/// </summary>
public static class Refusals
{
    private static readonly long[] Counts = new long[200]; // 400..599

    public static void Note(string client, string method, string path, int status, string? reason)
    {
        if (status is < 400 or > 599) return;
        Interlocked.Increment(ref Counts[status - 400]);
        // The path is the client's text: cut, so a 8 KiB request line cannot make an 8 KiB log line.
        Log.Info(method.Length == 0 ? $"{client}: {status} {reason}" : $"{client}: {Cut(method, 16)} {Cut(path, 80)}: {status} {reason}");
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "~";

    /// <summary>(status, count) for every status answered at least once.</summary>
    public static IEnumerable<(int Status, long Count)> NonZero()
    {
        for (int i = 0; i < Counts.Length; i++)
        {
            long n = Interlocked.Read(ref Counts[i]);
            if (n > 0) yield return (400 + i, n);
        }
    }
}
