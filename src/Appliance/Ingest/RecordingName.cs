namespace Recd.Ingest;

/// <summary>
/// Recording names are one path segment of [A-Za-z0-9._-], not starting with '.', so they can
/// never name a file outside the storage root, a hidden manifest, or "." / "..". Percent-encoding
/// is refused outright: no valid name needs it, and decoding is where traversal bugs live.
/// </summary>
public static class RecordingName
{
    public static bool IsValid(string name, int maxLength)
    {
        if (name.Length == 0 || name.Length > maxLength || name[0] == '.') return false;
        foreach (char c in name)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
            if (!ok) return false;
        }
        return true;
    }
}
