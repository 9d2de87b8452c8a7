using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.RegularExpressions;
using Recd.Ingest;
using Xunit;
using Xunit.Abstractions;

namespace Recd.Tests;

/// <summary>
/// Property-based fuzzing of the pure request parsers: HttpHeadParser, the three ChunkedDecoder pieces
/// and ContentRangeHeader. Every input is checked for: no exception, a defined status, consumed within
/// [0, length] and 0 unless Complete, the exact error statuses, determinism (twice, and with a reused
/// RequestHead), bounded NeedMore (a NeedMore never holds more bytes than the limit), and against
/// independent reference readers (a head oracle, a chunk-line / trailer / whole-body grammar, range
/// regexes). A sample is also checked prefix by prefix, the way a connection re-parses after each read.
///
/// Deterministic: one System.Random per test from a fixed seed; bounded by a time budget and an input cap,
/// and every test runs on its own thread so a parser call that never returns fails the test instead of
/// hanging CI. A failure is minimized and printed as a Bytes("...") literal ready to paste into a test.
///
///   RECD_FUZZ_SECONDS  budget for the whole file, split across the tests (default 7.5)
///   RECD_FUZZ_SEED     base seed (default 0x5EC0D); each test adds its own salt
///
/// The counts are written to the test output: dotnet test ... --logger "console;verbosity=detailed".
/// </summary>
public class ParserFuzzTests
{
    private static readonly HttpLimits Limits = new();
    private static readonly int[] HeadStatuses = [400, 408, 413, 414, 417, 431, 501, 505];
    private readonly ITestOutputHelper _output;

    public ParserFuzzTests(ITestOutputHelper output) => _output = output;

    // ================================================================ budget, seed, runner

    private const double DefaultSeconds = 7.5;
    private const double HeadShare = 0.42, ChunkedShare = 0.42, RangeShare = 0.16;

    /// <summary>Input cap per second of budget: a fast machine stops at the cap, so the run stays reproducible.</summary>
    private const long InputsPerSecondCap = 2_000_000;

    private static double FileSeconds =>
        double.TryParse(Environment.GetEnvironmentVariable("RECD_FUZZ_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
            ? s : DefaultSeconds;

    private static int BaseSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("RECD_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)
            ? s : 0x5EC0D;

    private sealed class Fuzz
    {
        public Fuzz(string name, int seed, double seconds)
        {
            Name = name;
            Seed = seed;
            Rng = new Random(seed);
            Budget = TimeSpan.FromSeconds(seconds);
            MaxInputs = (long)Math.Max(10_000, seconds * InputsPerSecondCap);
            _budgetTicks = (long)(seconds * Stopwatch.Frequency);
        }

        public readonly string Name;
        public readonly int Seed;
        public readonly Random Rng;
        public readonly TimeSpan Budget;
        public readonly long MaxInputs;
        private readonly long _budgetTicks;
        private long _started;
        public long Inputs, Calls;
        public readonly Dictionary<string, long> Counts = new(ReferenceEqualityComparer.Instance);
        public readonly List<string> Notes = [];
        private long _slowestTicks;
        private int _slowestLength;
        private string _slowestStage = "";

        // What the fuzz thread is on, for the hang report (read from the test thread).
        private volatile byte[] _current = [];
        private volatile int _currentLength;
        private volatile string _stage = "";

        public void Start() => _started = Stopwatch.GetTimestamp();
        public double Seconds => (Stopwatch.GetTimestamp() - _started) / (double)Stopwatch.Frequency;

        public bool Next()
        {
            if (Inputs >= MaxInputs || Stopwatch.GetTimestamp() - _started >= _budgetTicks) return false;
            Inputs++;
            return true;
        }

        public void Track(Buf b, string stage)
        {
            _current = b.Data;
            _currentLength = b.Length;
            _stage = stage;
        }

        public (string Stage, byte[] Input) Current()
        {
            var data = _current;
            return (_stage, data.AsSpan(0, Math.Min(_currentLength, data.Length)).ToArray());
        }

        public void Count(string key) => Counts[key] = Counts.GetValueOrDefault(key) + 1;

        public void Timed(long startTimestamp, int length)
        {
            long ticks = Stopwatch.GetTimestamp() - startTimestamp;
            if (ticks <= _slowestTicks) return;
            _slowestTicks = ticks;
            _slowestLength = length;
            _slowestStage = _stage;
        }

        public string Report()
        {
            double secs = Math.Max(Seconds, 1e-9);
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture,
                $"{Name}: {Inputs:N0} inputs, {Calls:N0} parser calls in {secs:F2} s ({Inputs / secs:N0} inputs/s); seed {Seed}, budget {Budget.TotalSeconds:F2} s, cap {MaxInputs:N0}");
            sb.AppendLine();
            sb.Append(CultureInfo.InvariantCulture,
                $"  slowest input: {_slowestTicks * 1e6 / Stopwatch.Frequency:F0} us ({_slowestLength:N0} bytes, {_slowestStage})");
            sb.AppendLine();
            foreach (var (key, count) in Counts.GroupBy(kv => kv.Key, kv => kv.Value).Select(g => (g.Key, g.Sum())).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {key,-62} {count,12:N0}");
            foreach (var note in Notes) sb.AppendLine("  " + note);
            return sb.ToString();
        }
    }

    /// <summary>Runs a fuzz loop on its own thread, bounded by the budget; a call that never returns fails the test.</summary>
    private void Run(string name, double share, int salt, Action<Fuzz> body)
    {
        double seconds = FileSeconds * share;
        var fuzz = new Fuzz(name, unchecked(BaseSeed * 31 + salt), seconds);
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                fuzz.Start();
                body(fuzz);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 16 * 1024 * 1024) { IsBackground = true, Name = "fuzz " + name };
        thread.Start();
        // Grace for one slow input and for minimizing a failure (bounded at MinimizeSeconds).
        var grace = TimeSpan.FromSeconds(MinimizeSeconds + 10 + seconds);
        if (!thread.Join(fuzz.Budget + grace))
        {
            var (stage, input) = fuzz.Current();
            _output.WriteLine(fuzz.Report());
            Assert.Fail($"{name}: HANG - no return within {(fuzz.Budget + grace).TotalSeconds:F0} s; input #{fuzz.Inputs} (seed {fuzz.Seed}), stage {stage}, " +
                        $"{input.Length} bytes: Bytes({Show(input, 4000)})");
        }
        _output.WriteLine(fuzz.Report());
        if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
        Assert.True(fuzz.Inputs > 0, $"{name}: no input was tried");
    }

    private const double MinimizeSeconds = 8;

    /// <summary>Minimizes a failing input (same failure kind) and fails the test with both.</summary>
    private static void Report(Fuzz? fuzz, string failure, byte[] input, Func<byte[], string?> check, bool minimize = true)
    {
        string kind = Kind(failure);
        byte[] min = input;
        if (minimize)
        {
            Func<byte[], bool> fails = x => Kind(Safe(() => check(x))) == kind;
            min = Simplify(Minimize(input, fails, TimeSpan.FromSeconds(MinimizeSeconds * 3 / 4)), fails, TimeSpan.FromSeconds(MinimizeSeconds / 4));
        }
        string minFailure = Safe(() => check(min)) ?? "(passes when replayed alone)";
        Assert.Fail($"{fuzz?.Name}: property failed at input #{fuzz?.Inputs} (test seed {fuzz?.Seed}; RECD_FUZZ_SEED={BaseSeed})\n" +
                    $"  {failure}\n" +
                    $"minimized to {min.Length} bytes:\n  {minFailure}\n  Bytes({Show(min, 6000)})\n" +
                    $"original, {input.Length} bytes: Bytes({Show(input, 1500)})");
    }

    private static string Kind(string? failure) => failure is null ? "" : failure.Split(':', 2)[0];

    private static string? Safe(Func<string?> check)
    {
        try { return check(); }
        catch (Exception e) { return "exception: " + e; }
    }

    /// <summary>Then overwrite ever smaller blocks with 'a' while it still fails: noise becomes runs that print short.</summary>
    private static byte[] Simplify(byte[] input, Func<byte[], bool> fails, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var best = input;
        for (int block = Math.Max(1, best.Length / 2); block >= 1 && clock.Elapsed < budget; block /= 2)
        {
            for (int start = 0; start < best.Length && clock.Elapsed < budget; start += block)
            {
                var span = best.AsSpan(start, Math.Min(block, best.Length - start));
                if (!span.ContainsAnyExcept((byte)'a')) continue;
                var candidate = best.ToArray();
                candidate.AsSpan(start, span.Length).Fill((byte)'a');
                if (fails(candidate)) best = candidate;
            }
        }
        return best;
    }

    /// <summary>Delta-debugging style: drop ever smaller blocks while the input still fails the same way.</summary>
    internal static T[] Minimize<T>(T[] input, Func<T[], bool> fails, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var best = input;
        int block = Math.Max(1, best.Length / 2);
        while (block >= 1 && clock.Elapsed < budget)
        {
            bool progress = false;
            for (int start = 0; start + block <= best.Length && clock.Elapsed < budget;)
            {
                T[] candidate = [.. best.AsSpan(0, start), .. best.AsSpan(start + block)];
                if (fails(candidate))
                {
                    best = candidate;
                    progress = true;
                }
                else start += block;
            }
            if (!progress) block /= 2;
            else block = Math.Min(block, Math.Max(1, best.Length / 2));
        }
        return best;
    }

    // ================================================================ test 1: the request-head parser

    [Fact]
    public void ParserFuzz_HttpHeadParser_NoCrashNoHang_PropertiesHold()
    {
        Run("HttpHeadParser", HeadShare, 1, fuzz =>
        {
            var rng = fuzz.Rng;
            var buf = new Buf();
            var seeds = Seeds.Value;
            var obs = new Observations();
            int maxLength = 2 * Limits.MaxHeaderBytes + 64;
            while (fuzz.Next())
            {
                buf.Clear();
                int expected = -1;
                string stage;
                int kind = rng.Next(100);
                if (kind < 25)
                {
                    GenerateHead(rng, buf, out bool valid, out int headLength);
                    if (valid) expected = headLength;
                    stage = valid ? "input: generated valid head" : "input: generated head over a limit";
                }
                else if (kind < 60)
                {
                    GenerateHead(rng, buf, out _, out _);
                    Mutate(rng, buf, maxLength, DecimalBoundaries);
                    stage = "input: mutated generated head";
                }
                else if (kind < 85)
                {
                    buf.Add(PickSeed(rng, seeds.Requests));
                    Mutate(rng, buf, maxLength, DecimalBoundaries);
                    stage = "input: mutated corpus request";
                }
                else if (kind < 95)
                {
                    RandomBytes(rng, buf, maxLength);
                    stage = "input: random bytes";
                }
                else
                {
                    // Crossover: the start of one request, the end of another.
                    var a = PickSeed(rng, seeds.Requests);
                    var b = PickSeed(rng, seeds.Requests);
                    buf.Add(a.AsSpan(0, rng.Next(a.Length + 1)));
                    buf.Add(b.AsSpan(rng.Next(b.Length + 1)));
                    if (rng.Next(2) == 0) Mutate(rng, buf, maxLength, DecimalBoundaries);
                    stage = "input: spliced corpus requests";
                }
                fuzz.Count(stage);
                fuzz.Track(buf, stage);
                // Prefix checks on a sample: about every 16th small input, every 128th large one.
                bool deep = rng.Next(buf.Length <= 600 ? 16 : 128) == 0;
                long t0 = Stopwatch.GetTimestamp();
                string? failure;
                try { failure = CheckHead(buf.Span, deep, expected, fuzz, obs); }
                catch (Exception e) { failure = "exception: " + e; }
                fuzz.Timed(t0, buf.Length);
                if (failure is not null)
                {
                    var input = buf.ToArray();
                    // A generated valid head that fails is reported as generated (shrinking would make it invalid).
                    Report(fuzz, failure, input, x => CheckHead(x, deep: true, expected, null, new Observations()), minimize: expected < 0);
                }
            }
            obs.Report(fuzz);
        });
    }

    private sealed record HeadView(string Method, RequestMethod Kind, string Target, string Path, string Query, int MinorVersion,
        string? Host, long ContentLength, bool Chunked, bool ExpectContinue, bool ConnectionClose, bool ConnectionKeepAlive,
        string? ContentRange, string? Range, string? Authorization, int HeaderCount)
    {
        public static HeadView Of(RequestHead h) => new(h.Method, h.Kind, h.Target, h.Path, h.Query, h.MinorVersion, h.Host,
            h.ContentLength, h.Chunked, h.ExpectContinue, h.ConnectionClose, h.ConnectionKeepAlive, h.ContentRange, h.Range,
            h.Authorization, h.HeaderCount);
    }

    /// <summary>Things that are not failures but a reader should know (first example kept, minimized at the end).</summary>
    private sealed class Observations
    {
        public long StatusDependsOnSegmentation;
        public byte[]? Example;
        public int ExamplePrefix;
        public string ExampleText = "";

        public void Report(Fuzz fuzz)
        {
            if (Example is null) return;
            fuzz.Notes.Add($"observation: {StatusDependsOnSegmentation:N0} deep-checked inputs get another 4xx status from a proper prefix than from the whole " +
                           "(both Invalid, same class; which one a client sees depends on TCP segmentation).");
            int prefix = ExamplePrefix;
            var whole = Example;
            fuzz.Notes.Add("  first example: " + ExampleText);
            Func<byte[], bool> same = x => StatusPair(x, Math.Min(prefix, x.Length - 1)) is var (p, w) && p != w && p / 100 == w / 100;
            var min = Simplify(Minimize(whole, same, TimeSpan.FromSeconds(1.5)), same, TimeSpan.FromSeconds(1));
            var (ps, ws) = StatusPair(min, Math.Min(prefix, min.Length - 1));
            fuzz.Notes.Add($"  minimized ({min.Length} bytes; the first {Math.Min(prefix, min.Length - 1)} bytes give {ps}, all of them {ws}): Bytes({Show(min, 400)})");
        }

        private static (int Prefix, int Whole) StatusPair(byte[] input, int prefix)
        {
            if (prefix < 0) return (0, 0);
            var a = HttpHeadParser.TryParse(input.AsSpan(0, prefix), Limits, new RequestHead(), out _, out var ea);
            var b = HttpHeadParser.TryParse(input, Limits, new RequestHead(), out _, out var eb);
            return a == ParseStatus.Invalid && b == ParseStatus.Invalid ? (ea.Status, eb.Status) : (0, 0);
        }
    }

    [ThreadStatic] private static RequestHead? _reusedHead;

    private static string? CheckHead(ReadOnlySpan<byte> input, bool deep, int expectedHead, Fuzz? fuzz, Observations obs)
    {
        var fresh = new RequestHead();
        var status = HttpHeadParser.TryParse(input, Limits, fresh, out int consumed, out var error);
        if (fuzz is not null)
        {
            fuzz.Calls += 2;
            fuzz.Count(status == ParseStatus.Invalid ? HeadKeys.Invalid(error.Status) : HeadKeys.Of(status));
        }
        string? f = HeadShape(input, status, consumed, error);
        if (f is not null) return f;

        // Determinism, and nothing of the previous request leaks through a reused RequestHead (the connection reuses one).
        var reused = _reusedHead ??= new RequestHead();
        var again = HttpHeadParser.TryParse(input, Limits, reused, out int consumed2, out var error2);
        if (again != status || consumed2 != consumed || error2 != error)
            return $"nondeterministic: {Describe(status, consumed, error)} with a fresh RequestHead, {Describe(again, consumed2, error2)} with a reused one";

        if (expectedHead >= 0 && (status != ParseStatus.Complete || consumed != expectedHead))
            return $"valid-head-refused: a generated valid head of {expectedHead} bytes gave {Describe(status, consumed, error)}";

        if (status == ParseStatus.Complete)
        {
            var view = HeadView.Of(fresh);
            if (HeadView.Of(reused) != view) return $"reset-leak: reused RequestHead {HeadView.Of(reused)} != fresh {view}";
            f = HeadOracle(input[..consumed], fresh);
            if (f is not null) return f;
            // The head alone is the same head: nothing after it was looked at (deep only; HeadPrefixes covers it too).
            if (deep)
            {
                var alone = new RequestHead();
                var s3 = HttpHeadParser.TryParse(input[..consumed], Limits, alone, out int consumed3, out var error3);
                if (s3 != ParseStatus.Complete || consumed3 != consumed || HeadView.Of(alone) != view)
                    return $"head-alone-differs: the {consumed} consumed bytes alone give {Describe(s3, consumed3, error3)}";
            }
            f = CheckDerived(fresh);
            if (f is not null) return f;
        }

        if (deep)
        {
            f = HeadPrefixes(input, status, consumed, error, fuzz, obs);
            if (f is not null) return f;
        }
        return null;
    }

    private static string? HeadShape(ReadOnlySpan<byte> input, ParseStatus status, int consumed, HttpError error)
    {
        if (!IsStatus(status)) return $"status-undefined: ParseStatus {(int)status}";
        if (consumed < 0 || consumed > input.Length) return $"consumed-range: consumed {consumed} of {input.Length} bytes ({status})";
        if (status != ParseStatus.Complete && consumed != 0) return $"consumed-not-complete: consumed {consumed} with {status}";
        switch (status)
        {
            case ParseStatus.Complete:
                if (consumed > Limits.MaxHeaderBytes) return $"complete-over-limit: consumed {consumed} > MaxHeaderBytes";
                if (consumed < 4 || !input[(consumed - 4)..consumed].SequenceEqual("\r\n\r\n"u8))
                    return $"complete-shape: the {consumed} consumed bytes do not end with CRLF CRLF";
                break;
            case ParseStatus.Invalid:
                if (Array.IndexOf(HeadStatuses, error.Status) < 0) return $"invalid-status: status {error.Status} ({error.Reason})";
                if (string.IsNullOrEmpty(error.Reason)) return $"invalid-reason: status {error.Status} without a reason";
                break;
            default:
                if (input.Length >= Limits.MaxHeaderBytes) return $"needmore-unbounded: NeedMore with {input.Length} bytes >= MaxHeaderBytes";
                break;
        }
        return null;
    }

    /// <summary>
    /// A connection re-parses its buffer after every read: every proper prefix of a Complete head must be NeedMore,
    /// a prefix of a NeedMore input NeedMore, and a prefix of an Invalid input NeedMore or Invalid in the same status
    /// class; once a prefix is Invalid every longer one is (rejection is final).
    /// </summary>
    private static string? HeadPrefixes(ReadOnlySpan<byte> input, ParseStatus whole, int consumed, HttpError error, Fuzz? fuzz, Observations obs)
    {
        var head = new RequestHead();
        bool invalidSeen = false;
        bool noted = false;
        foreach (int p in PrefixSample(input.Length, whole == ParseStatus.Complete ? consumed : -1))
        {
            var s = HttpHeadParser.TryParse(input[..p], Limits, head, out int c, out var e);
            if (fuzz is not null) fuzz.Calls++;
            string? f = HeadShape(input[..p], s, c, e);
            if (f is not null) return $"{Kind(f)}: at prefix {p}: {f}";
            if (invalidSeen && s != ParseStatus.Invalid)
                return $"invalid-not-final: a shorter prefix was Invalid, the first {p} bytes are {Describe(s, c, e)}";
            invalidSeen |= s == ParseStatus.Invalid;
            switch (whole)
            {
                case ParseStatus.Complete when p < consumed:
                    if (s != ParseStatus.NeedMore)
                        return $"prefix-of-head-not-needmore: head complete at {consumed}, its first {p} bytes give {Describe(s, c, e)}";
                    break;
                case ParseStatus.Complete:
                    if (s != ParseStatus.Complete || c != consumed)
                        return $"prefix-past-head-differs: head complete at {consumed}, the first {p} bytes give {Describe(s, c, e)}";
                    break;
                case ParseStatus.NeedMore:
                    if (s != ParseStatus.NeedMore) return $"prefix-of-needmore: the whole is NeedMore, the first {p} bytes give {Describe(s, c, e)}";
                    break;
                default:
                    if (s == ParseStatus.Complete || (s == ParseStatus.Invalid && e.Status / 100 != error.Status / 100))
                        return $"prefix-of-invalid: the whole is Invalid {error.Status} ({error.Reason}), the first {p} bytes give {Describe(s, c, e)}";
                    if (s == ParseStatus.Invalid && e.Status != error.Status && !noted)
                    {
                        noted = true;
                        obs.StatusDependsOnSegmentation++;
                        if (obs.Example is null)
                        {
                            obs.Example = input.ToArray();
                            obs.ExamplePrefix = p;
                            obs.ExampleText = $"{input.Length} bytes are Invalid {error.Status} ({error.Reason}), the first {p} Invalid {e.Status} ({e.Reason})";
                        }
                    }
                    break;
            }
        }
        return null;
    }

    /// <summary>Prefix lengths to try: all of a small input, a spread of a large one, and the places limits bite.</summary>
    private static List<int> PrefixSample(int length, int consumed)
    {
        var set = new SortedSet<int>();
        int all = consumed is > 0 and <= 400 ? consumed + 8 : 120;
        for (int p = 0; p < Math.Min(length, all); p++) set.Add(p);
        if (length > all)
        {
            int step = Math.Max(1, (length - all) / 100);
            for (int p = all; p < length; p += step) set.Add(p);
        }
        void Near(int at)
        {
            for (int p = at - 4; p <= at + 4; p++)
                if (p >= 0 && p < length) set.Add(p);
        }
        if (consumed > 0) Near(consumed - 1);
        foreach (int start in new[] { 0, 2, 4, 6, 8 }) Near(Limits.MaxRequestLineBytes + start);
        Near(Limits.MaxHeaderBytes);
        Near(length - 1);
        return [.. set];
    }

    /// <summary>
    /// An independent reading of an accepted head: the framing any strict HTTP/1.1 reader would see must be the
    /// framing the parser reported (the request-smuggling question), and the syntax must be RFC 9112 field syntax.
    /// </summary>
    private static string? HeadOracle(ReadOnlySpan<byte> head, RequestHead parsed)
    {
        int n = head.Length;
        for (int i = 0; i < n; i++)
        {
            byte b = head[i];
            if (b == '\r' && (i + 1 >= n || head[i + 1] != '\n')) return $"oracle-bare-cr: accepted head has a CR not followed by LF at {i}";
            if (b == '\n' && (i == 0 || head[i - 1] != '\r')) return $"oracle-bare-lf: accepted head has a bare LF at {i}";
            if (b == 0) return $"oracle-nul: accepted head has a NUL at {i}";
        }
        int pos = 0, empty = 0;
        while (pos + 1 < n && head[pos] == '\r' && head[pos + 1] == '\n')
        {
            pos += 2;
            empty++;
        }
        if (empty > 4) return $"oracle-leading-lines: {empty} empty lines before the request line accepted";

        int eol = IndexOfCrLf(head, pos);
        if (eol < 0) return "oracle-structure: no request line";
        var line = head[pos..eol];
        if (line.Length + 1 > Limits.MaxRequestLineBytes) return $"oracle-request-line-limit: {line.Length}-byte request line accepted";
        if (line.Count((byte)' ') != 2) return "oracle-request-line: request line without exactly two spaces accepted";
        int sp1 = line.IndexOf((byte)' ');
        int sp2 = sp1 + 1 + line[(sp1 + 1)..].IndexOf((byte)' ');
        var method = line[..sp1];
        var target = line[(sp1 + 1)..sp2];
        var version = line[(sp2 + 1)..];
        if (method.IsEmpty || !AllTokenChars(method)) return "oracle-method: method is not a token";
        if (target.IsEmpty || target[0] != '/') return "oracle-target: target is not origin-form";
        foreach (byte b in target)
            if (b <= 0x20 || b >= 0x7F || b == '#') return $"oracle-target: byte 0x{b:x2} in the target accepted";
        int minor = version.SequenceEqual("HTTP/1.1"u8) ? 1 : version.SequenceEqual("HTTP/1.0"u8) ? 0 : -1;
        if (minor < 0) return "oracle-version: version other than HTTP/1.0 or HTTP/1.1 accepted";
        string targetText = Encoding.Latin1.GetString(target);
        int q = targetText.IndexOf('?');
        string path = q < 0 ? targetText : targetText[..q];
        string query = q < 0 ? "" : targetText[(q + 1)..];
        string methodText = Encoding.Latin1.GetString(method);
        var kind = methodText switch
        {
            "GET" => RequestMethod.Get,
            "HEAD" => RequestMethod.Head,
            "PUT" => RequestMethod.Put,
            "DELETE" => RequestMethod.Delete,
            "POST" => RequestMethod.Post,
            _ => RequestMethod.Other,
        };
        if (parsed.Method != methodText || parsed.Kind != kind || parsed.Target != targetText || parsed.Path != path ||
            parsed.Query != query || parsed.MinorVersion != minor)
            return $"oracle-request-line-fields: parsed {HeadView.Of(parsed)}, the line says {methodText} {targetText} 1.{minor}";

        pos = eol + 2;
        int fields = 0, hosts = 0, lengths = 0, codings = 0, contentRanges = 0, ranges = 0, auths = 0;
        bool expect = false;
        long contentLength = -1;
        string? host = null;
        while (true)
        {
            eol = IndexOfCrLf(head, pos);
            if (eol < 0) return "oracle-structure: the head does not end with an empty line";
            if (eol == pos)
            {
                pos += 2;
                break;
            }
            var field = head[pos..eol];
            pos = eol + 2;
            fields++;
            if (field[0] == ' ' || field[0] == '\t') return "oracle-obs-fold: a field line starting with whitespace accepted";
            int colon = field.IndexOf((byte)':');
            if (colon <= 0) return "oracle-field: a field line without a name and colon accepted";
            var name = field[..colon];
            if (!AllTokenChars(name)) return "oracle-field-name: a field name that is not a token accepted";
            var value = field[(colon + 1)..];
            while (!value.IsEmpty && (value[0] == ' ' || value[0] == '\t')) value = value[1..];
            while (!value.IsEmpty && (value[^1] == ' ' || value[^1] == '\t')) value = value[..^1];
            foreach (byte b in value)
                if ((b < 0x20 && b != '\t') || b == 0x7F) return $"oracle-field-value: byte 0x{b:x2} in a field value accepted";
            switch (AsciiLower(name))
            {
                case "host":
                    hosts++;
                    host = Encoding.Latin1.GetString(value);
                    break;
                case "content-length":
                    lengths++;
                    if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                        return $"oracle-content-length: Content-Length \"{Encoding.Latin1.GetString(value)}\" accepted";
                    contentLength = long.Parse(Encoding.ASCII.GetString(value), NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "transfer-encoding":
                    codings++;
                    if (AsciiLower(value) != "chunked") return $"oracle-transfer-encoding: Transfer-Encoding \"{Encoding.Latin1.GetString(value)}\" accepted";
                    break;
                case "expect":
                    if (AsciiLower(value) != "100-continue") return $"oracle-expect: Expect \"{Encoding.Latin1.GetString(value)}\" accepted";
                    expect = true;
                    break;
                case "content-range":
                    contentRanges++;
                    break;
                case "range":
                    ranges++;
                    break;
                case "authorization":
                    auths++;
                    break;
            }
        }
        if (pos != n) return $"oracle-structure: consumed {n} bytes but the head ends at {pos}";
        if (fields > Limits.MaxHeaderCount) return $"oracle-field-count: {fields} fields accepted";
        if (fields != parsed.HeaderCount) return $"oracle-field-count: {fields} field lines, HeaderCount {parsed.HeaderCount}";
        if (hosts > 1 || lengths > 1 || codings > 1 || contentRanges > 1 || ranges > 1 || auths > 1)
            return $"oracle-duplicate: accepted with Host x{hosts}, Content-Length x{lengths}, Transfer-Encoding x{codings}, Content-Range x{contentRanges}, Range x{ranges}, Authorization x{auths}";
        if (lengths == 1 && codings == 1) return "oracle-smuggling: Content-Length and Transfer-Encoding both accepted";
        if (codings == 1 && minor == 0) return "oracle-smuggling: Transfer-Encoding in HTTP/1.0 accepted";
        if (minor == 1 && hosts == 0) return "oracle-host: HTTP/1.1 without Host accepted";
        if (parsed.Host != host || parsed.ContentLength != contentLength || parsed.Chunked != (codings == 1) ||
            parsed.ExpectContinue != expect || (parsed.ContentRange is not null) != (contentRanges == 1) ||
            (parsed.Range is not null) != (ranges == 1) || (parsed.Authorization is not null) != (auths == 1))
            return $"oracle-framing: parsed {HeadView.Of(parsed)}, the field lines say Host={host ?? "null"} Content-Length={contentLength} chunked={codings == 1} expect={expect}";
        return null;
    }

    /// <summary>What the endpoint derives from an accepted head: recording name and ranges.</summary>
    private static string? CheckDerived(RequestHead head)
    {
        const string prefix = "/recordings/";
        if (head.Path.StartsWith(prefix, StringComparison.Ordinal))
        {
            string name = head.Path[prefix.Length..];
            if (RecordingName.IsValid(name, Limits.MaxNameLength) &&
                (name.Length == 0 || name.Length > Limits.MaxNameLength || name[0] == '.' || name.AsSpan().IndexOfAny("/\\%:?#\0 ") >= 0))
                return $"recording-name: \"{name}\" is accepted as a recording name";
        }
        if (head.ContentRange is { } contentRange)
        {
            string? f = CheckUpload(contentRange);
            if (f is not null) return f;
        }
        if (head.Range is { } range)
        {
            foreach (long length in new long[] { 0, 1, 10, 1L << 40 })
            {
                string? f = CheckResolve(range, length);
                if (f is not null) return f;
            }
        }
        return null;
    }

    private static int IndexOfCrLf(ReadOnlySpan<byte> s, int from)
    {
        int i = s[from..].IndexOf("\r\n"u8);
        return i < 0 ? -1 : from + i;
    }

    private const string TokenChars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly bool[] IsTchar = BuildTable(TokenChars);

    private static bool[] BuildTable(string chars)
    {
        var table = new bool[256];
        foreach (char c in chars) table[c] = true;
        return table;
    }

    private static bool AllTokenChars(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
            if (!IsTchar[b]) return false;
        return true;
    }

    private static string AsciiLower(ReadOnlySpan<byte> s)
    {
        var chars = new char[s.Length];
        for (int i = 0; i < s.Length; i++) chars[i] = s[i] is >= (byte)'A' and <= (byte)'Z' ? (char)(s[i] + 32) : (char)s[i];
        return new string(chars);
    }

    /// <summary>Counter keys made once: Fuzz.Count compares keys by reference, so no string is built or hashed per call.</summary>
    private sealed class StatusKeys(string prefix)
    {
        private readonly string[] _byStatus = [prefix + "NeedMore", prefix + "Complete", prefix + "Invalid"];
        private readonly Dictionary<int, string> _invalid = new();

        public string Of(ParseStatus s) => (uint)s < 3 ? _byStatus[(int)s] : prefix + "undefined";

        public string Invalid(int status)
        {
            lock (_invalid)
            {
                if (!_invalid.TryGetValue(status, out var key)) _invalid[status] = key = $"{prefix}Invalid {status}";
                return key;
            }
        }
    }

    private static readonly StatusKeys HeadKeys = new("head result: "), ChunkLineKeys = new("chunk line: "), DataEndKeys = new("data end: "),
        TrailerKeys = new("trailer: "), WalkKeys = new("walk: ");

    private static bool IsStatus(ParseStatus s) => s is ParseStatus.NeedMore or ParseStatus.Complete or ParseStatus.Invalid;

    private static string Describe(ParseStatus s, int consumed, HttpError e) => s switch
    {
        ParseStatus.Complete => $"Complete (consumed {consumed})",
        ParseStatus.Invalid => $"Invalid {e.Status} ({e.Reason}, consumed {consumed})",
        _ => $"{s} (consumed {consumed})",
    };

    // ---------------------------------------------------------------- head generation

    private static readonly string[] MethodPool = ["GET", "GET", "HEAD", "PUT", "PUT", "DELETE", "POST", "OPTIONS", "BREW", "M-SEARCH!", "get", "PRI", "x"];

    private static readonly string[] TargetPool =
    [
        "/", "/recordings", "/recordings/", "/recordings/a.ts", "/recordings/show.ts?overwrite=1&path=splice", "/recordings/c-x?path=auto",
        "/recordings/%2e%2e/etc/passwd", "/recordings/..%2f..%2fetc", "/a/../b", "//x", "/recordings/.manifest", "/recordings/a\\b",
        "/recordings/..", "/recordings/" + new string('n', 128), "/recordings/" + new string('n', 129), "/?", "/recordings/x?",
    ];

    private static readonly string[] HostPool =
        ["x", "box.local:8554", "127.0.0.1", "[::1]:8080", "", "example.com:", "a-b_c~d%20!$&'()*+,;=", "[v1.fe80::a]", "h:65535"];

    private static readonly string[] LengthPool = ["0", "000", "5", "42", "999999999999999999", "123456789012345678", "000000000000000001"];

    private static readonly string[] OwsPool = ["", "", " ", " ", "\t", "  \t "];

    private static readonly string[] ConnectionPool = ["close", "keep-alive", "Keep-Alive", "TE, close", "upgrade", "close, keep-alive", ",,", "x\u00e9"];

    /// <summary>A head that is valid by construction (unless <paramref name="valid"/> says a limit was exceeded), maybe with bytes after it.</summary>
    private static void GenerateHead(Random rng, Buf b, out bool valid, out int headLength)
    {
        int start = b.Length;
        if (rng.Next(10) == 0)
            for (int i = rng.Next(1, 5); i > 0; i--) b.Add("\r\n");
        int lineStart = b.Length;
        b.Add(rng.Next(4) == 0 ? RandomToken(rng, 1, 12) : Pick(rng, MethodPool));
        b.Add((byte)' ');
        int targetKind = rng.Next(100);
        if (rng.Next(300) == 0)
        {
            b.Add((byte)'/');
            RandomTargetChars(rng, b, rng.Next(8000, 8200)); // around the 8 KiB request-line limit
        }
        else if (targetKind < 34)
        {
            b.Add((byte)'/');
            RandomTargetChars(rng, b, rng.Next(0, 40));
        }
        else b.Add(Pick(rng, TargetPool));
        b.Add((byte)' ');
        int minor = rng.Next(7) == 0 ? 0 : 1;
        b.Add(minor == 1 ? "HTTP/1.1" : "HTTP/1.0");
        int requestLine = b.Length - lineStart;
        b.Add("\r\n");

        // Field kinds in random order: 0 Host, 1 Content-Length, 2 Transfer-Encoding, 3 Expect, 4 Connection,
        // 5 Content-Range, 6 Range, 7 Authorization, 8 extension field.
        Span<int> kinds = stackalloc int[128];
        int count = 0;
        if (minor == 1 || rng.Next(2) == 0) kinds[count++] = 0;
        int framing = rng.Next(10);
        if (framing < 3) kinds[count++] = 1;
        else if (framing < 5 && minor == 1) kinds[count++] = 2;
        if (rng.Next(10) == 0) kinds[count++] = 3;
        if (rng.Next(5) == 0) kinds[count++] = 4;
        if (rng.Next(10) == 0) kinds[count++] = 5;
        if (rng.Next(10) == 0) kinds[count++] = 6;
        if (rng.Next(20) == 0) kinds[count++] = 7;
        int roll = rng.Next(100);
        int extra = roll < 70 ? rng.Next(0, 3) : roll < 99 ? rng.Next(3, 12) : rng.Next(95, 103 - count);
        for (int i = 0; i < extra && count < kinds.Length; i++) kinds[count++] = 8;
        rng.Shuffle(kinds[..count]);

        for (int i = 0; i < count; i++)
        {
            switch (kinds[i])
            {
                case 0: Field(rng, b, "Host", Pick(rng, HostPool)); break;
                case 1: Field(rng, b, "Content-Length", rng.Next(3) == 0 ? RandomDigits(rng, 1, 18) : Pick(rng, LengthPool)); break;
                case 2: Field(rng, b, "Transfer-Encoding", RandomCase(rng, "chunked")); break;
                case 3: Field(rng, b, "Expect", RandomCase(rng, "100-continue")); break;
                case 4: Field(rng, b, "Connection", Pick(rng, ConnectionPool)); break;
                case 5: Field(rng, b, "Content-Range", Pick(rng, UploadPool)); break;
                case 6: Field(rng, b, "Range", Pick(rng, RangePool)); break;
                case 7: Field(rng, b, "Authorization", "Basic dXNlcjpwYXNz"); break;
                default:
                    b.Add("X-");
                    b.Add(RandomToken(rng, 1, 20));
                    b.Add((byte)':');
                    b.Add(Pick(rng, OwsPool));
                    int r = rng.Next(2000);
                    RandomFieldValue(rng, b, r < 1840 ? rng.Next(0, 24) : r < 1999 ? rng.Next(24, 600) : rng.Next(32_000, 33_000));
                    b.Add(Pick(rng, OwsPool));
                    b.Add("\r\n");
                    break;
            }
        }
        b.Add("\r\n");
        headLength = b.Length - start;
        valid = requestLine + 1 <= Limits.MaxRequestLineBytes && headLength <= Limits.MaxHeaderBytes && count <= Limits.MaxHeaderCount;

        switch (rng.Next(5))
        {
            case 0:
                RandomBytes(rng, b, 64);
                break;
            case 1:
                b.Add("5\r\nhello\r\n0\r\n\r\n");
                break;
            case 2:
                b.Add("GET /recordings HTTP/1.1\r\nHost: y\r\n\r\n");
                break;
        }
    }

    private static void Field(Random rng, Buf b, string name, string value)
    {
        b.Add(rng.Next(4) == 0 ? RandomCase(rng, name) : name);
        b.Add((byte)':');
        b.Add(Pick(rng, OwsPool));
        b.Add(value);
        b.Add(Pick(rng, OwsPool));
        b.Add("\r\n");
    }

    private static readonly byte[] TargetTable = BuildByteTable(Enumerable.Range(0x21, 0x7F - 0x21).Where(c => c != '#'));
    private static readonly byte[] ValueTable = BuildByteTable(Enumerable.Range(0x21, 0x7F - 0x21).Concat(Enumerable.Repeat((int)' ', 6)).Concat([(int)'\t']));
    private static readonly byte[] ObsValueTable = BuildByteTable(Enumerable.Range(0x21, 0x7F - 0x21).Concat(Enumerable.Range(0x80, 0x80)).Concat(Enumerable.Repeat((int)' ', 12)).Concat([(int)'\t', (int)'\t']));
    private static readonly byte[] HttpTable = BuildByteTable("GETPUTHEADhttp/1.0 :\r\n\r\n\r\nHost x-\t;,=0123456789abcdefABCDEF?#%\0\u007f\u0080\u00ff".Select(c => (int)c));

    /// <summary>256 entries drawn evenly from <paramref name="alphabet"/>: one random byte picks one character.</summary>
    private static byte[] BuildByteTable(IEnumerable<int> alphabet)
    {
        var chars = alphabet.ToArray();
        var table = new byte[256];
        for (int i = 0; i < 256; i++) table[i] = (byte)chars[i * chars.Length / 256];
        return table;
    }

    /// <summary>
    /// Random bytes for bulk fills: a SplitMix64 stream seeded from <paramref name="rng"/>, so still determined by the
    /// test seed, but ~30x faster than a seeded System.Random (which is the legacy per-byte generator).
    /// </summary>
    private static void FillRandom(Random rng, Span<byte> span)
    {
        ulong state = (ulong)rng.NextInt64();
        int i = 0;
        for (; i + 8 <= span.Length; i += 8)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span[i..], SplitMix64(ref state));
        if (i < span.Length)
        {
            ulong last = SplitMix64(ref state);
            for (; i < span.Length; i++, last >>= 8) span[i] = (byte)last;
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Appends random bytes mapped through a 256-entry table (fast enough for 64 KiB inputs).</summary>
    private static void AppendFrom(Random rng, Buf b, int length, byte[] table)
    {
        b.Ensure(length);
        var span = b.Data.AsSpan(b.Length, length);
        FillRandom(rng, span);
        for (int i = 0; i < span.Length; i++) span[i] = table[span[i]];
        b.Length += length;
    }

    private static void RandomTargetChars(Random rng, Buf b, int length) => AppendFrom(rng, b, length, TargetTable);

    /// <summary>VCHAR, inner SP / HT and sometimes obs-text: what RFC 9110 5.5 allows in a field value.</summary>
    private static void RandomFieldValue(Random rng, Buf b, int length) => AppendFrom(rng, b, length, rng.Next(8) == 0 ? ObsValueTable : ValueTable);

    private static string RandomToken(Random rng, int min, int max)
    {
        var chars = new char[rng.Next(min, max + 1)];
        for (int i = 0; i < chars.Length; i++) chars[i] = TokenChars[rng.Next(TokenChars.Length)];
        return new string(chars);
    }

    private static string RandomDigits(Random rng, int min, int max)
    {
        var chars = new char[rng.Next(min, max + 1)];
        for (int i = 0; i < chars.Length; i++) chars[i] = (char)('0' + rng.Next(10));
        return new string(chars);
    }

    private static string RandomCase(Random rng, string s)
    {
        var chars = s.ToCharArray();
        for (int i = 0; i < chars.Length; i++) chars[i] = rng.Next(2) == 0 ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
        return new string(chars);
    }

    private static T Pick<T>(Random rng, T[] items) => items[rng.Next(items.Length)];

    private static byte[] PickSeed(Random rng, SeedSet set) =>
        rng.Next(50) == 0 || set.Small.Length == 0 ? Pick(rng, set.All) : Pick(rng, set.Small);

    // ================================================================ test 2: the chunked decoder

    [Fact]
    public void ParserFuzz_ChunkedDecoder_NoCrashNoHang_WalksDecodeExactly()
    {
        Run("ChunkedDecoder", ChunkedShare, 2, fuzz =>
        {
            var rng = fuzz.Rng;
            var buf = new Buf();
            var seeds = Seeds.Value;
            var sizes = new List<long>();
            int maxLength = 2 * Limits.MaxHeaderBytes + 64;
            while (fuzz.Next())
            {
                buf.Clear();
                // The connection's limits most of the time; small ones to reach the limit paths.
                int maxLine = rng.Next(4) != 0 ? Limits.MaxChunkLineBytes : rng.Next(8) == 0 ? rng.Next(0, 20) : rng.Next(20, 300);
                int maxTrailer = rng.Next(4) != 0 ? Limits.MaxHeaderBytes : rng.Next(8) == 0 ? rng.Next(0, 8) : rng.Next(8, 600);
                int kind = rng.Next(100);
                string stage;
                string? failure;
                Func<byte[], string?> replay;
                long t0 = Stopwatch.GetTimestamp();
                if (kind < 28)
                {
                    stage = "input: valid chunked body";
                    GenerateChunked(rng, buf, Math.Max(maxLine, 20), Math.Max(maxTrailer, 2), sizes, out int encoded);
                    int ml = Math.Max(maxLine, 20), mt = Math.Max(maxTrailer, 2);
                    int segSeed = rng.Next(1, int.MaxValue);
                    int prefixSeed = rng.Next(8) == 0 ? rng.Next(1, int.MaxValue) : 0;
                    var expect = sizes.ToArray();
                    fuzz.Track(buf, stage);
                    failure = Safe(buf, b => CheckValidWalk(b, encoded, expect, ml, mt, segSeed, prefixSeed, fuzz));
                    replay = x => CheckValidWalk(x, encoded, expect, ml, mt, segSeed, prefixSeed, null);
                }
                else if (kind < 58)
                {
                    stage = "input: mutated chunked body";
                    GenerateChunked(rng, buf, Math.Max(maxLine, 20), Math.Max(maxTrailer, 2), sizes, out _);
                    Mutate(rng, buf, maxLength + 70_000, HexBoundaries);
                    int segSeed = rng.Next(1, int.MaxValue);
                    fuzz.Track(buf, stage);
                    failure = Safe(buf, b => CheckAnyWalk(b, maxLine, maxTrailer, segSeed, fuzz));
                    replay = x => CheckAnyWalk(x, maxLine, maxTrailer, segSeed, null);
                }
                else if (kind < 66)
                {
                    stage = "input: mutated corpus body";
                    buf.Add(Pick(rng, seeds.ChunkedBodies));
                    Mutate(rng, buf, maxLength, HexBoundaries);
                    int segSeed = rng.Next(1, int.MaxValue);
                    fuzz.Track(buf, stage);
                    failure = Safe(buf, b => CheckAnyWalk(b, maxLine, maxTrailer, segSeed, fuzz));
                    replay = x => CheckAnyWalk(x, maxLine, maxTrailer, segSeed, null);
                }
                else if (kind < 83)
                {
                    int r = rng.Next(10);
                    if (r < 6)
                    {
                        AppendChunkLine(rng, buf, RandomChunkSize(rng), Math.Max(maxLine, 20));
                        if (rng.Next(2) == 0) buf.Add("hello\r\n0\r\n\r\n");
                        if (r < 5) Mutate(rng, buf, maxLength, HexBoundaries);
                        stage = r < 5 ? "input: mutated chunk line" : "input: generated chunk line";
                    }
                    else if (r < 8)
                    {
                        buf.Add(Pick(rng, HexBoundaries));
                        buf.Add(Pick(rng, LineEnds));
                        if (rng.Next(2) == 0) Mutate(rng, buf, maxLength, HexBoundaries);
                        stage = "input: boundary chunk size";
                    }
                    else
                    {
                        RandomBytes(rng, buf, 2 * Limits.MaxChunkLineBytes + 64);
                        stage = "input: random chunk line";
                    }
                    bool deep = rng.Next(4) == 0;
                    fuzz.Track(buf, stage);
                    failure = Safe(buf, b => CheckChunkLineInput(b, maxLine, deep, fuzz));
                    replay = x => CheckChunkLineInput(x, maxLine, deep: true, null);
                }
                else if (kind < 97)
                {
                    int r = rng.Next(10);
                    if (r < 7)
                    {
                        AppendTrailer(rng, buf, Math.Max(maxTrailer, 2));
                        if (rng.Next(3) == 0) buf.Add("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                        if (r < 6) Mutate(rng, buf, maxLength, DecimalBoundaries);
                        stage = r < 6 ? "input: mutated trailer" : "input: generated trailer";
                    }
                    else
                    {
                        RandomBytes(rng, buf, maxLength);
                        stage = "input: random trailer";
                    }
                    bool deep = rng.Next(4) == 0;
                    fuzz.Track(buf, stage);
                    failure = Safe(buf, b => CheckTrailerInput(b, maxTrailer, deep, fuzz));
                    replay = x => CheckTrailerInput(x, maxTrailer, deep: true, null);
                }
                else
                {
                    stage = "input: data end";
                    int length = rng.Next(0, 5);
                    for (int i = 0; i < length; i++) buf.Add(rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)"\r\n0 "[rng.Next(4)]);
                    fuzz.Track(buf, stage);
                    failure = Safe(buf, b => CallDataEnd(b, out _, out _, out _, fuzz));
                    replay = x => CallDataEnd(x, out _, out _, out _, null);
                }
                fuzz.Count(stage);
                fuzz.Timed(t0, buf.Length);
                if (failure is not null) Report(fuzz, failure, buf.ToArray(), replay, minimize: stage != "input: valid chunked body");
            }
            fuzz.Notes.Add(AcceptsBareBws
                ? "KNOWN BUG present in this build: chunk-size followed by whitespace without ';' is accepted (see the skipped ParserFuzz_Bug_ test); tolerated above and counted as 'deviation'."
                : "this build rejects chunk-size + whitespace without ';' (the skipped ParserFuzz_Bug_ test would pass).");
        });
    }

    private delegate string? SpanCheck(ReadOnlySpan<byte> input);

    private static string? Safe(Buf b, SpanCheck check)
    {
        try { return check(b.Span); }
        catch (Exception e) { return "exception: " + e; }
    }

    private static readonly string[] LineEnds = ["\r\n", "\r\n", "\n", "\r", "", "\r\r\n", ";x\r\n", " ;x\r\n", " \r\n", "\t\r\n", "\r\n0\r\n\r\n"];

    // ---------------------------------------------------------------- checked calls (every decoder call goes through these)

    private enum Ref { Complete, Viable, Dead }

    private static string? CallChunkLine(ReadOnlySpan<byte> input, int maxLine, out ParseStatus status, out long size, out int consumed,
        out HttpError error, Fuzz? fuzz)
    {
        status = ChunkedDecoder.TryParseChunkLine(input, maxLine, out size, out consumed, out error);
        var again = ChunkedDecoder.TryParseChunkLine(input, maxLine, out long size2, out int consumed2, out var error2);
        if (fuzz is not null)
        {
            fuzz.Calls += 2;
            fuzz.Count(ChunkLineKeys.Of(status));
        }
        if (!IsStatus(status)) return $"chunk-line-status: ParseStatus {(int)status}";
        if (again != status || size2 != size || consumed2 != consumed || error2 != error)
            return $"chunk-line-nondeterministic: {Describe(status, consumed, error)} size {size}, then {Describe(again, consumed2, error2)} size {size2}";
        if (consumed < 0 || consumed > input.Length || (status != ParseStatus.Complete && consumed != 0))
            return $"chunk-line-consumed: {Describe(status, consumed, error)} of {input.Length} bytes";
        var r = RefChunkLine(input, maxLine, out long refSize, out int refLength, out bool lenient);
        switch (status)
        {
            case ParseStatus.Complete:
                if (consumed > maxLine || consumed < 3 || input[consumed - 2] != '\r' || input[consumed - 1] != '\n' || input[..(consumed - 1)].Contains((byte)'\n'))
                    return $"chunk-line-shape: Complete consuming {consumed} bytes (maxLine {maxLine}) that are not one CRLF-terminated line";
                if (size < 0 || size >= 1L << 60) return $"chunk-line-size: size {size} outside [0, 2^60)";
                if (r != Ref.Complete) return $"chunk-line-accepts-invalid: Complete size {size}, the grammar says {r} (maxLine {maxLine})";
                if (size != refSize || consumed != refLength)
                    return $"chunk-line-differs: size {size} consumed {consumed}, the grammar says size {refSize} length {refLength}";
                if (lenient && fuzz is not null) fuzz.Count("deviation: chunk size + whitespace without ';' accepted");
                break;
            case ParseStatus.Invalid:
                if (error.Status != 400 || string.IsNullOrEmpty(error.Reason)) return $"chunk-line-error: {error.Status} ({error.Reason})";
                if (r != Ref.Dead) return $"chunk-line-refuses-valid: Invalid ({error.Reason}) but the grammar says {r} (maxLine {maxLine})";
                break;
            default:
                if (input.Length >= maxLine) return $"chunk-line-unbounded: NeedMore holding {input.Length} bytes with maxLine {maxLine}";
                if (r == Ref.Complete) return $"chunk-line-misses-complete: NeedMore for a complete line (size {refSize})";
                break;
        }
        return null;
    }

    private static string? CallDataEnd(ReadOnlySpan<byte> input, out ParseStatus status, out int consumed, out HttpError error, Fuzz? fuzz)
    {
        status = ChunkedDecoder.TryParseDataEnd(input, out consumed, out error);
        var again = ChunkedDecoder.TryParseDataEnd(input, out int consumed2, out var error2);
        if (fuzz is not null)
        {
            fuzz.Calls += 2;
            fuzz.Count(DataEndKeys.Of(status));
        }
        if (!IsStatus(status)) return $"data-end-status: ParseStatus {(int)status}";
        if (again != status || consumed2 != consumed || error2 != error) return "data-end-nondeterministic";
        var expected = input.Length == 0 ? ParseStatus.NeedMore
            : input[0] != '\r' ? ParseStatus.Invalid
            : input.Length == 1 ? ParseStatus.NeedMore
            : input[1] != '\n' ? ParseStatus.Invalid
            : ParseStatus.Complete;
        if (status != expected || consumed != (expected == ParseStatus.Complete ? 2 : 0))
            return $"data-end-differs: {Describe(status, consumed, error)}, expected {expected}";
        if (status == ParseStatus.Invalid && (error.Status != 400 || string.IsNullOrEmpty(error.Reason))) return $"data-end-error: {error.Status}";
        return null;
    }

    private static string? CallTrailer(ReadOnlySpan<byte> input, int maxBytes, out ParseStatus status, out int consumed, out HttpError error, Fuzz? fuzz)
    {
        status = ChunkedDecoder.TryParseTrailer(input, maxBytes, out consumed, out error);
        var again = ChunkedDecoder.TryParseTrailer(input, maxBytes, out int consumed2, out var error2);
        if (fuzz is not null)
        {
            fuzz.Calls += 2;
            fuzz.Count(TrailerKeys.Of(status));
        }
        if (!IsStatus(status)) return $"trailer-status: ParseStatus {(int)status}";
        if (again != status || consumed2 != consumed || error2 != error)
            return $"trailer-nondeterministic: {Describe(status, consumed, error)}, then {Describe(again, consumed2, error2)}";
        if (consumed < 0 || consumed > input.Length || (status != ParseStatus.Complete && consumed != 0))
            return $"trailer-consumed: {Describe(status, consumed, error)} of {input.Length} bytes";
        var r = RefTrailer(input, maxBytes, out int refLength);
        switch (status)
        {
            case ParseStatus.Complete:
                if (consumed > maxBytes || consumed < 2 || !input[(consumed - 2)..consumed].SequenceEqual("\r\n"u8) ||
                    (consumed > 2 && !input[(consumed - 4)..consumed].SequenceEqual("\r\n\r\n"u8)))
                    return $"trailer-shape: Complete consuming {consumed} bytes (maxBytes {maxBytes}) that do not end a trailer section";
                if (r != Ref.Complete || refLength != consumed)
                    return $"trailer-accepts-invalid: Complete consuming {consumed}, the grammar says {r} {refLength} (maxBytes {maxBytes})";
                break;
            case ParseStatus.Invalid:
                if (error.Status != 400 || string.IsNullOrEmpty(error.Reason)) return $"trailer-error: {error.Status} ({error.Reason})";
                if (r != Ref.Dead) return $"trailer-refuses-valid: Invalid ({error.Reason}) but the grammar says {r} (maxBytes {maxBytes})";
                break;
            default:
                if (input.Length >= maxBytes) return $"trailer-unbounded: NeedMore holding {input.Length} bytes with maxBytes {maxBytes}";
                if (r == Ref.Complete) return $"trailer-misses-complete: NeedMore for a complete trailer of {refLength} bytes";
                break;
        }
        return null;
    }

    // ---------------------------------------------------------------- reference grammar (RFC 9112 7.1 with recd's limits)

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    /// <summary>What a field value / chunk-ext may hold: HTAB, SP, VCHAR, obs-text (no CTL, no DEL).</summary>
    private static bool IsTextByte(byte b) => b == '\t' || (b >= 0x20 && b != 0x7F);

    /// <summary>
    /// Whether this build accepts whitespace after the chunk size without an extension ("5 \r\n", the bug in
    /// ParserFuzz_Bug_ChunkLine_WhitespaceAfterSizeWithoutExtension_IsInvalid). The reference grammar follows the
    /// build, so the fuzz run passes before and after the fix, and counts every such line while the bug is there.
    /// </summary>
    private static readonly bool AcceptsBareBws =
        ChunkedDecoder.TryParseChunkLine("5 \r\n"u8, 64, out _, out _, out _) == ParseStatus.Complete;

    /// <summary>
    /// chunk-size [ chunk-ext ] CRLF: 1-15 HEXDIG (recd's cap), BWS before ';' (recd's documented tolerance),
    /// extension bytes are text, the whole line incl. CRLF at most maxLine. Viable: some completion is valid.
    /// <paramref name="lenient"/>: complete only because of whitespace after the size with no ';' (AcceptsBareBws).
    /// </summary>
    private static Ref RefChunkLine(ReadOnlySpan<byte> input, int maxLine, out long size, out int length, out bool lenient)
    {
        size = 0;
        length = 0;
        lenient = false;
        int n = input.Length, i = 0;
        while (i < n && IsHex(input[i])) i++;
        int digits = i;
        if (digits > ChunkedDecoder.MaxSizeDigits) return Ref.Dead;
        if (i == n) return n + (digits == 0 ? 3 : 2) <= maxLine ? Ref.Viable : Ref.Dead;
        if (digits == 0) return Ref.Dead;
        int ws = i;
        while (i < n && (input[i] == ' ' || input[i] == '\t')) i++;
        bool ext = false;
        if (i < n && input[i] == ';')
        {
            ext = true;
            i++;
            while (i < n && IsTextByte(input[i])) i++;
        }
        bool bareBws = !ext && i > ws;
        if (i == n) return n + (bareBws && !AcceptsBareBws ? 3 : 2) <= maxLine ? Ref.Viable : Ref.Dead; // ";" CRLF or CRLF
        if (input[i] != '\r' || (bareBws && !AcceptsBareBws)) return Ref.Dead;
        if (i + 1 == n) return n + 1 <= maxLine ? Ref.Viable : Ref.Dead;
        if (input[i + 1] != '\n') return Ref.Dead;
        length = i + 2;
        if (length > maxLine) return Ref.Dead;
        lenient = bareBws;
        size = long.Parse(input[..digits], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return Ref.Complete;
    }

    /// <summary>*( field-line CRLF ) CRLF, field-line = token ":" text, at most maxBytes in all.</summary>
    private static Ref RefTrailer(ReadOnlySpan<byte> input, int maxBytes, out int length)
    {
        length = 0;
        int n = input.Length, pos = 0;
        while (true)
        {
            if (pos == n) return n + 2 <= maxBytes ? Ref.Viable : Ref.Dead;
            if (input[pos] == '\r')
            {
                if (pos + 1 == n) return n + 1 <= maxBytes ? Ref.Viable : Ref.Dead;
                if (input[pos + 1] != '\n') return Ref.Dead;
                length = pos + 2;
                return length <= maxBytes ? Ref.Complete : Ref.Dead;
            }
            int i = pos;
            while (i < n && IsTchar[input[i]]) i++;
            if (i == n) return n + 5 <= maxBytes ? Ref.Viable : Ref.Dead; // ":" CRLF CRLF
            if (i == pos || input[i] != ':') return Ref.Dead;
            i++;
            while (i < n && IsTextByte(input[i])) i++;
            if (i == n) return n + 4 <= maxBytes ? Ref.Viable : Ref.Dead;
            if (input[i] != '\r') return Ref.Dead;
            if (i + 1 == n) return n + 3 <= maxBytes ? Ref.Viable : Ref.Dead;
            if (input[i + 1] != '\n') return Ref.Dead;
            if (i + 2 > maxBytes) return Ref.Dead;
            pos = i + 2;
        }
    }

    /// <summary>The whole body by the reference grammar: Complete with its end and data-chunk sizes, or not.</summary>
    private static bool RefBody(ReadOnlySpan<byte> input, int maxLine, int maxTrailer, List<long> sizes, out int end)
    {
        sizes.Clear();
        end = 0;
        int pos = 0;
        while (true)
        {
            if (RefChunkLine(input[pos..], maxLine, out long size, out int length, out _) != Ref.Complete) return false;
            pos += length;
            if (size == 0)
            {
                if (RefTrailer(input[pos..], maxTrailer, out int trailer) != Ref.Complete) return false;
                end = pos + trailer;
                return true;
            }
            if (input.Length - pos < size + 2) return false;
            pos += (int)size;
            if (input[pos] != '\r' || input[pos + 1] != '\n') return false;
            pos += 2;
            sizes.Add(size);
        }
    }

    // ---------------------------------------------------------------- the body walk, as RequestBody drives the decoder

    private readonly record struct WalkResult(ParseStatus Status, int End, long Total, int ErrorStatus);

    private enum Step { ChunkLine, Data, DataEnd, Trailer }

    /// <summary>
    /// Feeds an encoding to the decoder pieces the way a connection does: parse the buffered bytes, read more on
    /// NeedMore (segments from <paramref name="segSeed"/>, 0 = everything at once), move chunk data without
    /// parsing it. Every call is checked (CallChunkLine etc.); returns a failure or null.
    /// </summary>
    private static string? Walk(ReadOnlySpan<byte> input, int maxLine, int maxTrailer, int segSeed, List<long> sizes, out WalkResult result, Fuzz? fuzz)
    {
        sizes.Clear();
        result = default;
        var segments = segSeed == 0 ? null : new Random(segSeed);
        int received = segments is null ? input.Length : 0;
        int pos = 0;
        long total = 0, dataLeft = 0;
        var step = Step.ChunkLine;
        int guard = 0;
        while (true)
        {
            if (++guard > 10_000_000) return "walk-loop: the walk does not advance";
            ParseStatus status = ParseStatus.NeedMore;
            HttpError error = default;
            string? f;
            switch (step)
            {
                case Step.ChunkLine:
                    f = CallChunkLine(input[pos..received], maxLine, out status, out long size, out int consumed, out error, fuzz);
                    if (f is not null) return f;
                    if (status != ParseStatus.Complete) break;
                    pos += consumed;
                    if (size == 0) step = Step.Trailer;
                    else
                    {
                        sizes.Add(size);
                        total += size;
                        dataLeft = size;
                        step = Step.Data;
                    }
                    continue;
                case Step.Data:
                    long take = Math.Min(dataLeft, received - pos);
                    pos += (int)take;
                    dataLeft -= take;
                    if (dataLeft == 0)
                    {
                        step = Step.DataEnd;
                        continue;
                    }
                    break; // need more data
                case Step.DataEnd:
                    f = CallDataEnd(input[pos..received], out status, out consumed, out error, fuzz);
                    if (f is not null) return f;
                    if (status != ParseStatus.Complete) break;
                    pos += consumed;
                    step = Step.ChunkLine;
                    continue;
                default:
                    f = CallTrailer(input[pos..received], maxTrailer, out status, out consumed, out error, fuzz);
                    if (f is not null) return f;
                    if (status != ParseStatus.Complete) break;
                    pos += consumed;
                    result = new WalkResult(ParseStatus.Complete, pos, total, 0);
                    return null;
            }
            if (status == ParseStatus.Invalid)
            {
                result = new WalkResult(ParseStatus.Invalid, pos, total, error.Status);
                return null;
            }
            // NeedMore: read more, or the client is gone.
            if (received == input.Length)
            {
                result = new WalkResult(ParseStatus.NeedMore, pos, total, 0);
                return null;
            }
            int segment = segments!.Next(10) switch { < 3 => segments.Next(1, 5), < 8 => segments.Next(1, 65), _ => segments.Next(1, 4097) };
            // At least a quarter of what is already buffered: keeps re-parsing linear-ish, as a real buffer does.
            received = (int)Math.Min(input.Length, (long)received + Math.Max(segment, (received - pos) / 4));
        }
    }

    /// <summary>A valid encoding: decodes to exactly its chunks in one piece and in segments, and every proper prefix needs more.</summary>
    private static string? CheckValidWalk(ReadOnlySpan<byte> input, int encoded, long[] expected, int maxLine, int maxTrailer, int segSeed,
        int prefixSeed, Fuzz? fuzz)
    {
        var sizes = new List<long>();
        string? f = Walk(input, maxLine, maxTrailer, 0, sizes, out var whole, fuzz);
        if (f is not null) return f;
        if (whole.Status != ParseStatus.Complete || whole.End != encoded || !sizes.SequenceEqual(expected) || whole.Total != expected.Sum())
            return $"valid-body-misdecoded: {whole} with sizes [{string.Join(',', sizes)}], generated end {encoded} sizes [{string.Join(',', expected)}] (maxLine {maxLine}, maxTrailer {maxTrailer})";
        f = Walk(input, maxLine, maxTrailer, segSeed, sizes, out var seg, fuzz);
        if (f is not null) return f;
        if (seg != whole || !sizes.SequenceEqual(expected))
            return $"valid-body-segmented: {seg} in segments (seed {segSeed}), {whole} in one piece";
        if (fuzz is not null) fuzz.Count("walk: valid body decoded exactly");
        if (prefixSeed != 0)
        {
            var rng = new Random(prefixSeed);
            for (int k = 0; k < 4; k++)
            {
                int p = rng.Next(encoded);
                f = Walk(input[..p], maxLine, maxTrailer, 0, sizes, out var part, fuzz);
                if (f is not null) return f;
                if (part.Status != ParseStatus.NeedMore) return $"valid-body-prefix: the first {p} of {encoded} bytes walk to {part}";
            }
        }
        return null;
    }

    /// <summary>
    /// Any bytes: the walk is the same in one piece and in segments, and when it is Complete it agrees with the
    /// reference grammar on where the body ends and on every chunk size (so the total is the sum of the chunk
    /// lines it parsed); when the grammar says Complete, so does the decoder.
    /// </summary>
    private static string? CheckAnyWalk(ReadOnlySpan<byte> input, int maxLine, int maxTrailer, int segSeed, Fuzz? fuzz)
    {
        var sizes = new List<long>();
        var segSizes = new List<long>();
        var refSizes = new List<long>();
        string? f = Walk(input, maxLine, maxTrailer, 0, sizes, out var whole, fuzz);
        if (f is not null) return f;
        f = Walk(input, maxLine, maxTrailer, segSeed, segSizes, out var seg, fuzz);
        if (f is not null) return f;
        if (whole.Status != seg.Status || whole.ErrorStatus != seg.ErrorStatus ||
            (whole.Status == ParseStatus.Complete && (whole != seg || !sizes.SequenceEqual(segSizes))))
            return $"walk-segmentation: {whole} in one piece, {seg} in segments (seed {segSeed})";
        bool refComplete = RefBody(input, maxLine, maxTrailer, refSizes, out int refEnd);
        if (whole.Status == ParseStatus.Complete || refComplete)
        {
            if (whole.Status != ParseStatus.Complete || !refComplete || whole.End != refEnd || !sizes.SequenceEqual(refSizes) || whole.Total != refSizes.Sum())
                return $"walk-differs: decoder {whole} sizes [{string.Join(',', sizes)}], grammar complete={refComplete} end {refEnd} sizes [{string.Join(',', refSizes)}]";
        }
        if (fuzz is not null) fuzz.Count(whole.Status == ParseStatus.Invalid ? WalkKeys.Invalid(whole.ErrorStatus) : WalkKeys.Of(whole.Status));
        return null;
    }

    /// <summary>
    /// Found by the chunk-line differential above (counted there as a deviation so the fuzz run stays green).
    /// RFC 9112 7.1: chunk = chunk-size [ chunk-ext ] CRLF, and BWS exists only inside chunk-ext, before ';'.
    /// The decoder's own comment says "anything else after the digits must be an extension", yet whitespace
    /// after the size with no ';' is accepted as that size. Low impact (no length confusion inside recd), but
    /// a strict front end rejects these lines, so the two disagree about whether the body is well framed.
    /// </summary>
    [Fact]
    public void ParserFuzz_Bug_ChunkLine_WhitespaceAfterSizeWithoutExtension_IsInvalid()
    {
        foreach (var text in new[] { "5 \r\n", "5\t\r\n", "0 \r\n", "a  \t \r\n" })
        {
            var status = ChunkedDecoder.TryParseChunkLine(Encoding.Latin1.GetBytes(text), Limits.MaxChunkLineBytes, out long size, out int consumed, out var error);
            Assert.True(status == ParseStatus.Invalid, $"{ShowString(text)}: {Describe(status, consumed, error)}, size {size}");
            Assert.Equal(400, error.Status);
        }
        // The whole body, as RequestBody walks it: currently decodes to "hello".
        var body = Encoding.Latin1.GetBytes("5 \r\nhello\r\n0\r\n\r\n");
        Assert.Equal(ParseStatus.Invalid, ChunkedDecoderTests.Walk(body, Limits.MaxChunkLineBytes, Limits.MaxHeaderBytes, out _, out _));
    }

    private static string? CheckChunkLineInput(ReadOnlySpan<byte> input, int maxLine, bool deep, Fuzz? fuzz)
    {
        string? f = CallChunkLine(input, maxLine, out var status, out _, out int consumed, out _, fuzz);
        if (f is not null || !deep) return f;
        // Every prefix is checked against the grammar too; a complete line's proper prefixes must be NeedMore.
        int end = Math.Min(input.Length, 300);
        for (int p = 0; p < end; p++)
        {
            f = CallChunkLine(input[..p], maxLine, out var s, out _, out _, out _, fuzz);
            if (f is not null) return $"{Kind(f)}: at prefix {p}: {f}";
            if (status == ParseStatus.Complete && p < consumed && s != ParseStatus.NeedMore)
                return $"chunk-line-prefix: line complete at {consumed}, its first {p} bytes give {s}";
        }
        return null;
    }

    private static string? CheckTrailerInput(ReadOnlySpan<byte> input, int maxBytes, bool deep, Fuzz? fuzz)
    {
        string? f = CallTrailer(input, maxBytes, out var status, out int consumed, out _, fuzz);
        if (f is not null || !deep) return f;
        foreach (int p in PrefixSample(input.Length, status == ParseStatus.Complete ? consumed : -1))
        {
            if (p > 600 && p % 7 != 0) continue; // the trailer scan restarts per call: keep deep checks cheap
            f = CallTrailer(input[..p], maxBytes, out var s, out _, out _, fuzz);
            if (f is not null) return $"{Kind(f)}: at prefix {p}: {f}";
            if (status == ParseStatus.Complete && p < consumed && s != ParseStatus.NeedMore)
                return $"trailer-prefix: trailer complete at {consumed}, its first {p} bytes give {s}";
        }
        return null;
    }

    // ---------------------------------------------------------------- chunked generation

    private static long RandomChunkSize(Random rng) => rng.Next(10) switch
    {
        < 3 => rng.Next(0, 17),
        < 6 => rng.Next(0, 1 << 20),
        < 8 => rng.NextInt64(0, 1L << 60),
        _ => (1L << rng.Next(0, 60)) - rng.Next(0, 2),
    };

    /// <summary>Hex size (random case, leading zeros up to 15 digits), maybe BWS and extensions, CRLF; fits maxLine.</summary>
    private static void AppendChunkLine(Random rng, Buf b, long size, int maxLine)
    {
        string hex = size.ToString(rng.Next(2) == 0 ? "x" : "X", CultureInfo.InvariantCulture);
        if (rng.Next(4) == 0) hex = RandomCase(rng, hex);
        int zeros = rng.Next(5) == 0 ? rng.Next(0, ChunkedDecoder.MaxSizeDigits - hex.Length + 1) : 0;
        int lineStart = b.Length;
        for (int i = 0; i < zeros; i++) b.Add((byte)'0');
        b.Add(hex);
        if (rng.Next(4) == 0)
        {
            int mark = b.Length;
            b.Add(Pick(rng, ["", "", " ", "\t", "  "]));
            int extensions = rng.Next(1, 4);
            for (int k = 0; k < extensions; k++)
            {
                b.Add((byte)';');
                b.Add(Pick(rng, ["", " "]));
                b.Add(RandomToken(rng, 1, 10));
                switch (rng.Next(4))
                {
                    case 0: b.Add("=" + RandomToken(rng, 1, 10)); break;
                    case 1: b.Add(" = \"quoted \\\" value\u00e9\""); break;
                }
            }
            if (b.Length - lineStart + 2 > maxLine) b.Length = mark;
        }
        b.Add("\r\n");
    }

    private static readonly string[] DataTraps = ["\r\n", "0\r\n\r\n", "\r\n0\r\n\r\n", "\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "5\r\n", "\0", "\r"];

    private static void GenerateChunked(Random rng, Buf b, int maxLine, int maxTrailer, List<long> sizes, out int encoded)
    {
        sizes.Clear();
        int count = rng.Next(10) == 0 ? rng.Next(10, 48) : rng.Next(0, 6);
        for (int k = 0; k < count; k++)
        {
            int size = rng.Next(100) switch { < 50 => rng.Next(1, 17), < 88 => rng.Next(1, 600), < 98 => rng.Next(1, 5000), _ => rng.Next(1, 70_000) };
            AppendChunkLine(rng, b, size, maxLine);
            sizes.Add(size);
            b.Ensure(size + 2);
            var data = b.Data.AsSpan(b.Length, size);
            // Chunk data is never parsed: fill it with framing look-alikes.
            if (rng.Next(8) == 0) FillRandom(rng, data);
            else data.Fill((byte)'d');
            for (int t = rng.Next(0, 4); t > 0; t--)
            {
                var trap = DataTraps[rng.Next(DataTraps.Length)];
                int at = rng.Next(size);
                for (int i = 0; i < trap.Length && at + i < size; i++) data[at + i] = (byte)trap[i];
            }
            b.Length += size;
            b.Add("\r\n");
        }
        AppendChunkLine(rng, b, 0, maxLine);
        AppendTrailer(rng, b, maxTrailer);
        encoded = b.Length;
        switch (rng.Next(4))
        {
            case 0: b.Add("GET /recordings HTTP/1.1\r\nHost: x\r\n\r\n"); break;
            case 1: RandomBytes(rng, b, 64); break;
        }
    }

    /// <summary>0-3 trailer fields and the empty line, within maxBytes.</summary>
    private static void AppendTrailer(Random rng, Buf b, int maxBytes)
    {
        int start = b.Length;
        int fields = rng.Next(3) == 0 ? rng.Next(1, 4) : 0;
        for (int k = 0; k < fields; k++)
        {
            int mark = b.Length;
            b.Add(rng.Next(3) == 0 ? Pick(rng, ["X-Checksum", "Expires", "Content-MD5", "Server-Timing"]) : RandomToken(rng, 1, 16));
            b.Add((byte)':');
            b.Add(Pick(rng, OwsPool));
            RandomFieldValue(rng, b, rng.Next(0, 40));
            b.Add("\r\n");
            if (b.Length - start + 2 > maxBytes)
            {
                b.Length = mark;
                break;
            }
        }
        b.Add("\r\n");
    }

    // ================================================================ test 3: ranges

    [Fact]
    public void ParserFuzz_ContentRangeHeader_NoCrash_AgreesWithTheGrammar()
    {
        Run("ContentRangeHeader", RangeShare, 3, fuzz =>
        {
            var rng = fuzz.Rng;
            var sb = new StringBuilder();
            var buf = new Buf();
            while (fuzz.Next())
            {
                string value = GenerateRangeValue(rng, sb);
                long length = Pick(rng, RangeLengths);
                if (length < 0) length = rng.NextInt64(0, long.MaxValue);
                buf.Clear();
                buf.Add(Encoding.UTF8.GetBytes(value));
                fuzz.Track(buf, "range value (UTF-8)");
                long t0 = Stopwatch.GetTimestamp();
                fuzz.Calls += 4;
                string? failure;
                try
                {
                    failure = CheckUpload(value, fuzz) ?? CheckResolve(value, length, fuzz);
                    if (rng.Next(64) == 0) failure ??= CheckResolve(null, length, fuzz);
                }
                catch (Exception e) { failure = "exception: " + e; }
                fuzz.Timed(t0, value.Length);
                if (failure is not null)
                {
                    var min = Minimize(value.ToCharArray(), x => Kind(Safe(() => CheckUpload(new string(x)) ?? CheckResolve(new string(x), length))) == Kind(failure),
                        TimeSpan.FromSeconds(MinimizeSeconds));
                    Assert.Fail($"{fuzz.Name}: property failed at input #{fuzz.Inputs} (seed {fuzz.Seed}), length {length}:\n  {failure}\n" +
                                $"minimized: {ShowString(new string(min))}: {Safe(() => CheckUpload(new string(min)) ?? CheckResolve(new string(min), length))}\n" +
                                $"original: {ShowString(value)}");
                }
            }
        });
    }

    private static readonly string[] UploadPool = ["bytes 0-9/*", "bytes 10-14/*", "bytes 0-0/1", "bytes 5-4/10", "bytes 0-9/9", "bytes */10", "BYTES 1-2/3", "bytes=0-9"];
    private static readonly string[] RangePool = ["bytes=0-9", "bytes=-3", "bytes=5-", "bytes=0-0,2-3", "bytes=-0", "BYTES= 1 - 2 ", "bytes 0-1", "bytes=9-5"];

    private static readonly string[] UnitPool = ["bytes ", "bytes ", "Bytes ", "BYTES ", "bytes", "bytes=", "bytes=", "BYTES=", "bytes =", "bits ", "", " bytes ", "bytes  "];

    private static readonly string[] NumberPool =
    [
        "0", "1", "9", "10", "01", "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808",
        "18446744073709551616", "-1", "+1", "", " 1", "1 ", "1.0", "1e3", "0x10", "\u0661", "\uff11", "\u00b2",
    ];

    private const string RangeAlphabet = "0123456789-/*=, \tbytesBYTES;\u00a0\u2003\u0085\u200b\u0660\uff10\r\n";

    private static readonly long[] RangeLengths = [0, 1, 2, 9, 10, 11, 100, 1 << 20, int.MaxValue, (long)int.MaxValue + 1, 999_999_999_999_999_999, 1_000_000_000_000_000_000, long.MaxValue, -1, -1];

    private static string GenerateRangeValue(Random rng, StringBuilder sb)
    {
        sb.Clear();
        string Number() => rng.Next(3) == 0 ? RandomDigits(rng, 1, 20) : Pick(rng, NumberPool);
        string Ws() => rng.Next(4) == 0 ? Pick(rng, [" ", "\t", "  ", "\u00a0", "\u2003"]) : "";
        switch (rng.Next(10))
        {
            case < 4:
                sb.Append(Pick(rng, UnitPool)).Append(Ws()).Append(Number()).Append(Ws()).Append('-').Append(Ws()).Append(Number())
                    .Append('/').Append(rng.Next(3) == 0 ? "*" : Number()).Append(Ws());
                break;
            case < 8:
                sb.Append(Pick(rng, UnitPool)).Append(Ws());
                if (rng.Next(4) != 0) sb.Append(Number());
                sb.Append(Ws()).Append('-').Append(Ws());
                if (rng.Next(4) != 0) sb.Append(Number());
                sb.Append(Ws());
                if (rng.Next(10) == 0) sb.Append(',').Append(Number()).Append('-').Append(Number());
                break;
            default:
                for (int i = rng.Next(0, 40); i > 0; i--) sb.Append(RangeAlphabet[rng.Next(RangeAlphabet.Length)]);
                break;
        }
        if (rng.Next(2) == 0)
        {
            for (int k = rng.Next(1, 4); k > 0; k--)
            {
                int at = rng.Next(sb.Length + 1);
                switch (rng.Next(3))
                {
                    case 0: sb.Insert(at, RangeAlphabet[rng.Next(RangeAlphabet.Length)]); break;
                    case 1: if (at < sb.Length) sb.Remove(at, 1); break;
                    default: if (at < sb.Length) sb[at] = RangeAlphabet[rng.Next(RangeAlphabet.Length)]; break;
                }
            }
        }
        return sb.ToString();
    }

    // Reference grammar: RFC 9110 14.4 / 14.2 with recd's choices (at most 18 digits, one range, OWS as string.Trim).
    private static readonly Regex UploadGrammar = new(@"^bytes \s*([0-9]{1,18})-([0-9]{1,18})/([0-9]{1,18}|\*)\s*\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly Regex RangeGrammar = new(@"^bytes=\s*([0-9]{1,18})?\s*-\s*([0-9]{1,18})?\s*\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static string? CheckUpload(string value, Fuzz? fuzz = null)
    {
        bool ok = ContentRangeHeader.TryParseUpload(value, out long start, out long end);
        bool ok2 = ContentRangeHeader.TryParseUpload(value, out long start2, out long end2);
        if (ok != ok2 || (ok && (start != start2 || end != end2))) return $"upload-nondeterministic: {ShowString(value)}";
        bool refOk = false;
        long refStart = -1, refEnd = -1;
        var m = UploadGrammar.Match(value);
        if (m.Success)
        {
            refStart = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            refEnd = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            long complete = m.Groups[3].Value == "*" ? -1 : long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            refOk = refEnd >= refStart && (complete < 0 || complete > refEnd);
        }
        if (ok != refOk || (ok && (start != refStart || end != refEnd)))
            return $"upload-differs: TryParseUpload({ShowString(value)}) = {ok} {start}-{end}, the grammar says {refOk} {refStart}-{refEnd}";
        if (ok && (start < 0 || end < start)) return $"upload-range: {start}-{end}";
        fuzz?.Count(ok ? "upload: accepted" : "upload: refused");
        return null;
    }

    private static string? CheckResolve(string? value, long length, Fuzz? fuzz = null)
    {
        bool ok = ContentRangeHeader.TryResolve(value, length, out long first, out long last, out bool sat);
        bool ok2 = ContentRangeHeader.TryResolve(value, length, out long first2, out long last2, out bool sat2);
        if (ok != ok2 || (ok && (first != first2 || last != last2 || sat != sat2))) return $"resolve-nondeterministic: {ShowString(value)}";
        bool refOk = false, refSat = true;
        long refFirst = 0, refLast = 0;
        var m = value is null ? null : RangeGrammar.Match(value);
        if (m is { Success: true })
        {
            bool hasA = m.Groups[1].Success, hasB = m.Groups[2].Success;
            long a = hasA ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            long b = hasB ? long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
            if (!hasA && hasB)
            {
                refOk = true;
                if (b == 0 || length == 0) refSat = false;
                else (refFirst, refLast) = (Math.Max(0, length - b), length - 1);
            }
            else if (hasA && (!hasB || b >= a))
            {
                refOk = true;
                if (a >= length) refSat = false;
                else (refFirst, refLast) = (a, hasB ? Math.Min(b, length - 1) : length - 1);
            }
        }
        if (ok != refOk || (ok && sat != refSat) || (ok && sat && (first != refFirst || last != refLast)))
            return $"resolve-differs: TryResolve({ShowString(value)}, {length}) = {ok} {first}-{last} satisfiable {sat}, the grammar says {refOk} {refFirst}-{refLast} satisfiable {refSat}";
        if (ok && sat && (first < 0 || first > last || last >= length))
            return $"resolve-out-of-bounds: TryResolve({ShowString(value)}, {length}) = {first}-{last}";
        fuzz?.Count(!ok ? "resolve: ignored" : sat ? "resolve: satisfiable" : "resolve: unsatisfiable");
        return null;
    }

    // ================================================================ mutation

    private static readonly byte[] InterestingBytes =
        [(byte)'\r', (byte)'\n', 0, (byte)' ', (byte)'\t', (byte)':', 0x7F, 0x80, 0xFF, 0xE9, (byte)',', (byte)';', (byte)'0', (byte)'9',
         (byte)'a', (byte)'f', (byte)'F', (byte)'x', (byte)'-', (byte)'+', (byte)'/', (byte)'#', (byte)'?', (byte)'%', (byte)'"', (byte)'=',
         0x0B, 0x0C, (byte)'[', (byte)']', (byte)'.', 0x01, 0x1B];

    private static readonly byte[][] InterestingTokens = [.. new[]
    {
        "\r\n", "\r\n\r\n", "\n", "\r", "\0", " ", "\t", ":", ": ", ";", "=", "\"", ",", "\r\n ", "\r\n\t", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0",
        "chunked", "0\r\n\r\n", "Host: x\r\n", "Transfer-Encoding: chunked\r\n", "Content-Length: 0\r\n", "Content-Length: 5\r\n",
        "Expect: 100-continue\r\n", "Transfer-Encoding : chunked\r\n", " chunked", "\u00ff", "\u0080", "\u007f", "%00", "../", "#", "?", "[", "]",
        "-", "+", "0x", "bytes=", "bytes ", "*", "GET / HTTP/1.1\r\n", "\r\n\r\n\r\n", ";ext=\"v\"", "\r\r\n",
    }.Select(s => Encoding.Latin1.GetBytes(s))];

    private static readonly string[] DecimalBoundaries =
    [
        "0", "00", "1", "9", "10", "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999999999999", "-1", "+1", "1,1", "1, 1", " 1", "1 ",
        "1.0", "1e3", "0x10", "\u0663", "2147483647", "2147483648", "4294967296", "4294967300", "-9223372036854775808", "000000000000000000005",
    ];

    private static readonly string[] HexBoundaries =
    [
        "0", "000", "1", "f", "F", "fffffffffffffff", "ffffffffffffffff", "1000000000000000", "7fffffffffffffff", "8000000000000000",
        "ffffffffffffffffffff", "000000000000001", "0000000000000001", "FFFFFFFFFFFFFFF", "800000000000000", "-1", "+5", "0x10", "1.5",
        "g", " 5", "5 ", "5\t", "10000", "7fffffff", "80000000", "100000000", "ffffffff", "9223372036854775807", "",
    ];

    private static void Mutate(Random rng, Buf b, int maxLength, string[] numbers)
    {
        int ops = rng.Next(4) == 0 ? rng.Next(2, 9) : rng.Next(1, 3);
        for (int k = 0; k < ops; k++) MutateOnce(rng, b, numbers, maxLength);
        if (b.Length > maxLength) b.Length = maxLength;
    }

    private static void MutateOnce(Random rng, Buf b, string[] numbers, int maxLength)
    {
        int n = b.Length;
        switch (rng.Next(17))
        {
            case 0: // bit flip
                if (n > 0) b.Data[rng.Next(n)] ^= (byte)(1 << rng.Next(8));
                break;
            case 1: // interesting byte over a byte
                if (n > 0) b.Data[rng.Next(n)] = Pick(rng, InterestingBytes);
                break;
            case 2: // interesting byte inserted
                b.Insert(rng.Next(n + 1), [Pick(rng, InterestingBytes)]);
                break;
            case 3: // interesting token inserted
                b.Insert(rng.Next(n + 1), Pick(rng, InterestingTokens));
                break;
            case 4: // delete a range
                if (n > 0)
                {
                    int p = rng.Next(n);
                    b.Remove(p, Math.Min(n - p, rng.Next(2) == 0 ? rng.Next(1, 4) : rng.Next(1, 65)));
                }
                break;
            case 5: // truncate
                b.Length = rng.Next(n + 1);
                break;
            case 6: // duplicate a line (possibly many times: too many fields, duplicate framing headers)
            {
                if (!FindLine(rng, b, out int start, out int end)) break;
                var line = b.Data.AsSpan(start, end - start).ToArray();
                int times = rng.Next(50) == 0 ? rng.Next(2, 120) : 1;
                for (int t = 0; t < times && b.Length + line.Length <= maxLength; t++) b.Insert(end, line);
                break;
            }
            case 7: // delete a line
                if (FindLine(rng, b, out int s7, out int e7)) b.Remove(s7, e7 - s7);
                break;
            case 8: // replace a number with a boundary value
                ReplaceNumber(rng, b, numbers);
                break;
            case 9: // change a line ending
            {
                if (n < 2) break;
                int from = rng.Next(n);
                int at = b.Span[from..].IndexOf("\r\n"u8);
                if (at < 0) break;
                at += from;
                b.Remove(at, 2);
                b.Insert(at, Encoding.Latin1.GetBytes(Pick(rng, ["\n", "\r", "\r\r\n", "\n\r", "\r\n ", "\r\n\t", "", "\r\n\r\n", "\r\0\n"])));
                break;
            }
            case 10: // random bytes inserted
            {
                var bytes = new byte[rng.Next(1, 17)];
                FillRandom(rng, bytes);
                b.Insert(rng.Next(n + 1), bytes);
                break;
            }
            case 11: // flip the case of a letter
                if (n > 0)
                {
                    int p = rng.Next(n);
                    if (char.IsAsciiLetter((char)b.Data[p])) b.Data[p] ^= 0x20;
                }
                break;
            case 12: // repeat a range, possibly to beyond the limits
            {
                if (n == 0) break;
                int p = rng.Next(n);
                int len = Math.Min(n - p, rng.Next(1, 65));
                var piece = b.Data.AsSpan(p, len).ToArray();
                int times = rng.Next(16) == 0 ? rng.Next(1, 40_000 / len + 2) : rng.Next(1, 8);
                var blown = new byte[Math.Min(piece.Length * times, Math.Max(0, maxLength - n))];
                for (int i = 0; i < blown.Length; i++) blown[i] = piece[i % piece.Length];
                b.Insert(p, blown);
                break;
            }
            case 13: // overwrite a range with random bytes
                if (n > 0)
                {
                    int p = rng.Next(n);
                    FillRandom(rng, b.Data.AsSpan(p, Math.Min(n - p, rng.Next(1, 9))));
                }
                break;
            case 14: // a framing-relevant field line at a line start
            {
                int at = LineStart(rng, b);
                string name = Pick(rng, ["Content-Length", "Transfer-Encoding", "Host", "Expect", "Content-Range", "Range", "content-length", "TRANSFER-ENCODING", "X-A"]);
                string value = name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ? Pick(rng, ["chunked", "gzip, chunked", "chunked, chunked", "identity", ""])
                    : name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ? Pick(rng, numbers)
                    : Pick(rng, ["x", "", "100-continue", "bytes 0-9/*", "bytes=0-", "a\u00e9"]);
                b.Insert(at, Encoding.Latin1.GetBytes($"{name}:{Pick(rng, OwsPool)}{value}\r\n"));
                break;
            }
            case 15: // swap two lines
            {
                if (!FindLine(rng, b, out int s1, out int e1)) break;
                var first = b.Data.AsSpan(s1, e1 - s1).ToArray();
                b.Remove(s1, e1 - s1);
                b.Insert(LineStart(rng, b), first);
                break;
            }
            default: // a space, tab or colon somewhere structural
                if (n > 0) b.Insert(rng.Next(n + 1), [Pick(rng, new[] { (byte)' ', (byte)'\t', (byte)':', (byte)'\r', (byte)'\n' })]);
                break;
        }
    }

    /// <summary>A random line [start, end) including its LF, if the buffer has one.</summary>
    private static bool FindLine(Random rng, Buf b, out int start, out int end)
    {
        start = end = 0;
        if (b.Length == 0) return false;
        int p = rng.Next(b.Length);
        var span = b.Span;
        int lf = span[p..].IndexOf((byte)'\n');
        if (lf < 0) return false;
        end = p + lf + 1;
        start = span[..p].LastIndexOf((byte)'\n') + 1;
        return true;
    }

    private static int LineStart(Random rng, Buf b)
    {
        if (b.Length == 0) return 0;
        int p = rng.Next(b.Length);
        return b.Span[..p].LastIndexOf((byte)'\n') + 1;
    }

    private static void ReplaceNumber(Random rng, Buf b, string[] numbers)
    {
        if (b.Length == 0) return;
        var span = b.Span;
        int from = rng.Next(b.Length);
        int at = span[from..].IndexOfAnyInRange((byte)'0', (byte)'9');
        if (at < 0) at = span.IndexOfAnyInRange((byte)'0', (byte)'9');
        else at += from;
        if (at < 0) return;
        while (at > 0 && IsHex(span[at - 1])) at--;
        int end = at;
        while (end < span.Length && IsHex(span[end])) end++;
        b.Remove(at, end - at);
        b.Insert(at, Encoding.UTF8.GetBytes(Pick(rng, numbers)));
    }

    private static void RandomBytes(Random rng, Buf b, int maxLength)
    {
        int roll = rng.Next(100);
        int length = roll < 60 ? rng.Next(0, 65) : roll < 88 ? rng.Next(64, 1025) : roll < 98 ? rng.Next(1024, 8400) : rng.Next(8400, Math.Max(8401, maxLength + 1));
        length = Math.Min(length, maxLength);
        if (rng.Next(2) == 0)
        {
            b.Ensure(length);
            FillRandom(rng, b.Data.AsSpan(b.Length, length));
            b.Length += length;
        }
        else AppendFrom(rng, b, length, HttpTable);
    }

    // ================================================================ seeds and helpers

    private sealed record SeedSet(byte[][] All, byte[][] Small);

    private sealed record SeedCorpus(SeedSet Requests, byte[][] ChunkedBodies);

    /// <summary>The hostile corpus, the valid heads of HttpHeadParserTests' shape, and the chunked bodies of the corpus.</summary>
    private static readonly Lazy<SeedCorpus> Seeds = new(() =>
    {
        var files = Directory.GetFiles(CorpusTests.CorpusDirectory(), "*.http").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        string[] extra =
        [
            "GET / HTTP/1.0\r\n\r\n",
            "GET /recordings/show.ts?overwrite=1&path=splice HTTP/1.1\r\nHost: box.local:8554\r\nRange: bytes=0-9\r\n\r\n",
            "PUT /recordings/a.ts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Range: bytes 10-14/*\r\n\r\nhello",
            "PUT /recordings/live.ts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "PUT /recordings/x HTTP/1.1\r\nHost:\t box \t\r\nX-Title: Caf\u00e9 \u0080\u00ff\u00a0\r\nContent-Length:  0  \r\nX-Empty:\r\n\r\n",
            "\r\n\r\nGET /recordings HTTP/1.1\r\nHost: x\r\n\r\n",
            "PUT /recordings/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nGET /recordings/b?q HTTP/1.1\r\nHost: y\r\n\r\n",
        ];
        files.AddRange(extra.Select(s => Encoding.Latin1.GetBytes(s)));
        var all = files.ToArray();
        var small = all.Where(f => f.Length <= 4096).ToArray();

        var bodies = new List<byte[]>();
        foreach (var file in all)
        {
            var head = new RequestHead();
            if (HttpHeadParser.TryParse(file, Limits, head, out int consumed, out _) == ParseStatus.Complete && head.Chunked)
                bodies.Add(file[consumed..]);
        }
        bodies.Add(Encoding.Latin1.GetBytes("5\r\nhello\r\n1;x=y\r\n \r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n"));
        return new SeedCorpus(new SeedSet(all, small), [.. bodies]);
    });

    /// <summary>A growable byte buffer the mutators work in (no allocation per input).</summary>
    private sealed class Buf
    {
        public byte[] Data = new byte[4096];
        public int Length;

        public Span<byte> Span => Data.AsSpan(0, Length);
        public void Clear() => Length = 0;
        public byte[] ToArray() => Span.ToArray();

        public void Ensure(int extra)
        {
            if (Length + extra > Data.Length) Array.Resize(ref Data, Math.Max(Data.Length * 2, Length + extra));
        }

        public void Add(byte value)
        {
            Ensure(1);
            Data[Length++] = value;
        }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(Data.AsSpan(Length));
            Length += bytes.Length;
        }

        /// <summary>Latin-1: every char 0x00-0xFF is one byte.</summary>
        public void Add(string latin1)
        {
            Ensure(latin1.Length);
            foreach (char c in latin1) Data[Length++] = (byte)c;
        }

        public void Insert(int at, ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            Data.AsSpan(at, Length - at).CopyTo(Data.AsSpan(at + bytes.Length));
            bytes.CopyTo(Data.AsSpan(at));
            Length += bytes.Length;
        }

        public void Remove(int at, int count)
        {
            Data.AsSpan(at + count, Length - at - count).CopyTo(Data.AsSpan(at));
            Length -= count;
        }
    }

    /// <summary>A C# string literal of Latin-1 bytes (for HttpHeadParserTests.Bytes), repeated runs and lines folded.</summary>
    internal static string Show(ReadOnlySpan<byte> bytes, int max = 100_000)
    {
        var sb = new StringBuilder("\"");
        int i = 0;
        while (i < bytes.Length && sb.Length < max)
        {
            // The shortest period (1-32 bytes) repeating at least 32 bytes and 4 times here.
            int period = 0, times = 0;
            for (int p = 1; p <= 32 && i + 2 * p <= bytes.Length; p++)
            {
                int r = 1;
                while (i + (r + 1) * p <= bytes.Length && bytes.Slice(i + r * p, p).SequenceEqual(bytes.Slice(i, p))) r++;
                if (r >= 4 && r * p >= 32)
                {
                    period = p;
                    times = r;
                    break;
                }
            }
            if (period == 1)
                sb.Append("\" + new string('").Append(Escape(bytes[i], '\'')).Append("', ").Append(times).Append(") + \"");
            else if (period > 1)
            {
                sb.Append("\" + string.Concat(Enumerable.Repeat(\"");
                foreach (byte b in bytes.Slice(i, period)) sb.Append(Escape(b, '"'));
                sb.Append("\", ").Append(times).Append(")) + \"");
            }
            if (period > 0)
            {
                i += period * times;
                continue;
            }
            sb.Append(Escape(bytes[i], '"'));
            i++;
        }
        sb.Append('"');
        if (i < bytes.Length) sb.Append(CultureInfo.InvariantCulture, $" + ... ({bytes.Length - i} more bytes)");
        return sb.ToString().Replace(" + \"\" + ", " + ", StringComparison.Ordinal);
    }

    private static string Escape(int c, char quote) => c switch
    {
        '\r' => "\\r",
        '\n' => "\\n",
        '\t' => "\\t",
        0 => "\\0",
        '\\' => "\\\\",
        _ when c == quote => "\\" + quote,
        >= 0x20 and < 0x7F => ((char)c).ToString(),
        _ => $"\\u{c:x4}",
    };

    private static string ShowString(string? s)
    {
        if (s is null) return "null";
        var sb = new StringBuilder("\"");
        foreach (char c in s) sb.Append(Escape(c, '"'));
        return sb.Append('"').ToString();
    }
}
