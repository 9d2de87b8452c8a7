namespace Recd.Recordings;

/// <summary>
/// Asks the storage filesystem once, at start, whether it tells names apart by case. exFAT and FAT
/// (and NTFS mounted with Windows name rules) do not: "Show.ts" and "show.ts" are one file there,
/// and a second PUT would silently overwrite the first recording's data and manifest.
/// </summary>
public static class CaseProbe
{
    public static bool IsCaseInsensitive(string dir)
    {
        string lower = Path.Combine(dir, ".recd-case-probe");
        string upper = Path.Combine(dir, ".RECD-CASE-PROBE");
        try
        {
            File.WriteAllBytes(lower, []);
            return File.Exists(upper);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        finally
        {
            try { File.Delete(lower); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
