using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Recd.Ingest;
using Recd.Recordings;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Board;

/// <summary>
/// The keys a profile may hold, derived from the option classes' public properties, so a key added
/// to a class is known without a second list to forget. Each class is named once below with its
/// properties kept by [DynamicallyAccessedMembers]: that is what keeps the reflection trim-safe
/// under NativeAOT. A class-typed property whose type is missing here would read as a scalar and
/// reject its own keys; a test checks every section type is listed.
/// </summary>
public static class ProfileSchema
{
    internal static readonly Dictionary<Type, PropertyInfo[]> Shapes = new()
    {
        [typeof(BoardProfile)] = Props<BoardProfile>(),
        [typeof(ListenOptions)] = Props<ListenOptions>(),
        [typeof(HttpLimits)] = Props<HttpLimits>(),
        [typeof(StorageOptions)] = Props<StorageOptions>(),
        [typeof(WritePathOptions)] = Props<WritePathOptions>(),
        [typeof(SelectorOptions)] = Props<SelectorOptions>(),
        [typeof(AccessOptions)] = Props<AccessOptions>(),
        [typeof(ConsoleOptions)] = Props<ConsoleOptions>(),
        [typeof(GpioOptions)] = Props<GpioOptions>(),
        [typeof(GpioLineOptions)] = Props<GpioLineOptions>(),
        [typeof(DisplayOptions)] = Props<DisplayOptions>(),
        [typeof(SensorsOptions)] = Props<SensorsOptions>(),
        [typeof(Logging.LogOptions)] = Props<Logging.LogOptions>(),
        [typeof(CalibrationOptions)] = Props<CalibrationOptions>(),
        [typeof(CopyPrimitiveFigures)] = Props<CopyPrimitiveFigures>(),
        [typeof(PrimitiveFigure)] = Props<PrimitiveFigure>(),
    };

    /// <summary>Keys the loader reads before binding, with no property of their own.</summary>
    private static readonly string[] LoaderKeys = ["BoardDir"];

    private static PropertyInfo[] Props<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0).ToArray();

    private enum Shape { Scalar, Section, List, FreeForm }

    private static Shape ShapeOf(Type t)
    {
        if (Shapes.ContainsKey(t)) return Shape.Section;
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>)) return Shape.List;
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return Shape.FreeForm;
        return Shape.Scalar;
    }

    /// <summary>Whether a configuration key ("Storage:Root", "Selector:Candidates:0", "Why:Storage") binds to something.</summary>
    public static bool IsKnown(string key)
    {
        var parts = key.Split(':');
        if (parts.Length == 1 && LoaderKeys.Contains(parts[0], StringComparer.OrdinalIgnoreCase)) return true;
        var type = typeof(BoardProfile);
        for (int i = 0; i < parts.Length; i++)
        {
            var prop = Array.Find(Shapes[type], p => string.Equals(p.Name, parts[i], StringComparison.OrdinalIgnoreCase));
            if (prop is null) return false;
            switch (ShapeOf(prop.PropertyType))
            {
                case Shape.Section: type = prop.PropertyType; continue;
                case Shape.FreeForm: return true;
                // A list of scalars: the key itself (an empty array) or one index below it.
                case Shape.List: return i == parts.Length - 1 || (i == parts.Length - 2 && int.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out _));
                default: return i == parts.Length - 1;
            }
        }
        return true; // a section itself (an empty JSON object)
    }

    /// <summary>Every setting's key, in declaration order (sections expanded; lists and free text as one key each).</summary>
    public static IEnumerable<string> Keys() => Leaves(null).Select(l => l.Key);

    /// <summary>Every setting of a bound profile with its value as text ("a, b" for lists).</summary>
    public static IEnumerable<(string Key, string? Value)> Values(BoardProfile profile) => Leaves(profile);

    private static IEnumerable<(string Key, string? Value)> Leaves(BoardProfile? profile) => Walk(typeof(BoardProfile), profile, "");

    private static IEnumerable<(string Key, string? Value)> Walk(Type type, object? obj, string prefix)
    {
        foreach (var prop in Shapes[type])
        {
            string key = prefix + prop.Name;
            object? value = obj is null ? null : prop.GetValue(obj);
            switch (ShapeOf(prop.PropertyType))
            {
                case Shape.Section:
                    foreach (var leaf in Walk(prop.PropertyType, value, key + ":")) yield return leaf;
                    break;
                case Shape.List:
                    yield return (key, value is System.Collections.IEnumerable items ? string.Join(", ", items.Cast<object>()) : null);
                    break;
                case Shape.FreeForm:
                    if (value is Dictionary<string, string> texts)
                        foreach (var (k, v) in texts.OrderBy(t => t.Key, StringComparer.OrdinalIgnoreCase)) yield return (key + ":" + k, v);
                    else if (obj is null) yield return (key, null);
                    break;
                default:
                    yield return (key, value switch
                    {
                        null => null,
                        bool b => b ? "true" : "false",
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        var v => v.ToString(),
                    });
                    break;
            }
        }
    }

    /// <summary>The known key closest to a mistyped one (edit distance, at most a third of its length), for "did you mean".</summary>
    public static string? Suggest(string key)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var known in Keys())
        {
            int d = Distance(key.ToLowerInvariant(), known.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (known, d);
        }
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) row[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
