using System.Text;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Tests.Selection;

/// <summary>Where a modelled window is: its path, the recording (0-based on this root), the window, and whether it follows a switch.</summary>
internal readonly record struct At(PathChoice Path, int Recording, int Window, bool AfterSwitch);

/// <summary>What a modelled window costs: CPU ns/B, the rate it moves at, data left queued, bytes left dirty, or the path refused (EINVAL).</summary>
internal readonly record struct Modelled(double Cost, double Rate = 1e9, bool Backlog = false, bool Absorbed = false, bool Unavailable = false);

/// <summary>One window as a test sees it: the path it was on, whether it followed a switch, the phase and chosen path it was taken in, the selector's exploring bill before it.</summary>
internal readonly record struct Seen(Selector S, PathChoice On, bool SwitchWindow, Phase PhaseBefore, int SettledBefore, double ExtraNsBefore, CostSample Sample);

/// <summary>
/// One storage root driven the way the daemon drives it: a real <see cref="SelectionContext"/> over
/// temporary directories (its learned costs file, its mount's shared exploration), a selector per
/// recording from <see cref="SelectionContext.NewSelector"/>, and per window the calls
/// Recording.OnWindow makes in its order (ObserveCondition; OnStartWindow for its first window, OnSwitchWindow for the first window after
/// a switch, else RemainingBytes then OnWindow; MarkUnavailable when a path refuses; Learned.Merge at
/// the end). Windows close at WindowBytes or WindowMs, whichever first, as the cost meter closes them.
/// </summary>
internal sealed class SelectorProtocol : IDisposable
{
    private readonly string _root, _state;
    private bool _directUnavailable;

    public SelectorProtocol(SelectorOptions options, WritePathOptions? paths = null, Func<string, string>? learnedFile = null)
    {
        _root = Directory.CreateTempSubdirectory("recd-sel-root-").FullName;
        _state = Directory.CreateTempSubdirectory("recd-sel-state-").FullName;
        var factory = new WritePathFactory(paths ?? new WritePathOptions());
        if (learnedFile is not null)
        {
            // The learned file is keyed by the mount, which only a context knows: one is made to ask.
            string key = new SelectionContext(options, factory, _root, null).LearnedKey;
            File.WriteAllText(Path.Combine(_state, "learned-costs.json"), learnedFile(key));
        }
        Context = new SelectionContext(options, factory, _root, _state);
    }

    public SelectionContext Context { get; }
    public int Recordings { get; private set; }

    /// <summary>Called after each window with what it was and what the selector was before it.</summary>
    public Action<Seen>? OnEach { get; set; }

    /// <summary>
    /// Runs one recording of up to <paramref name="windows"/> windows (fewer when <paramref name="length"/>,
    /// a Content-Length, ends it first) while <paramref name="concurrent"/> recordings are on the root.
    /// Returns the selector as it ended (after its merge into the learned costs). <paramref name="writing"/>:
    /// recordings being written on the root as window w closes (the count Recording.OnWindow reads;
    /// null: not known, as before the band widened).
    /// </summary>
    public Selector Record(Func<At, Modelled> model, int windows, int concurrent = 1, long length = -1, StringBuilder? trace = null,
        Func<int, int>? writing = null)
    {
        var run = new Run(this, model, concurrent, length, trace, writing);
        for (int w = 0; w < windows && run.Step(w); w++) { }
        return run.End();
    }

    /// <summary>
    /// Runs <paramref name="count"/> recordings begun together (each while all of them are on the root),
    /// their windows interleaved one by one as their threads would close them; up to
    /// <paramref name="windows"/> each; <paramref name="endsNow"/> (recording, its selector) ends one early
    /// after any window. Returns the selectors as they ended, in begin order.
    /// </summary>
    public Selector[] RecordTogether(Func<At, Modelled> model, int windows, int count, StringBuilder? trace = null,
        Func<int, Selector, bool>? endsNow = null)
    {
        var runs = Enumerable.Range(0, count).Select(_ => new Run(this, model, count, -1, trace, _ => count)).ToArray();
        var ended = new Selector?[count];
        for (int w = 0; w < windows; w++)
            for (int r = 0; r < count; r++)
            {
                if (ended[r] is not null) continue;
                runs[r].Step(w);
                if (endsNow?.Invoke(r, runs[r].Selector) == true) ended[r] = runs[r].End();
            }
        for (int r = 0; r < count; r++) ended[r] ??= runs[r].End();
        return [.. ended.Select(s => s!)];
    }

    /// <summary>One recording driven window by window, with the calls Recording.OnWindow makes in its order.</summary>
    private sealed class Run
    {
        private readonly SelectorProtocol _p;
        private readonly Func<At, Modelled> _model;
        private readonly long _length;
        private readonly StringBuilder? _trace;
        private readonly Func<int, int>? _writing;
        private readonly int _r;
        private readonly Selector _s;
        private readonly Trace _line;
        private PathChoice _current;
        private bool _settling, _started;
        private long _written;

        public Run(SelectorProtocol p, Func<At, Modelled> model, int concurrent, long length, StringBuilder? trace, Func<int, int>? writing)
        {
            (_p, _model, _length, _trace, _writing) = (p, model, length, trace, writing);
            _r = p.Recordings++;
            _s = p.Context.NewSelector(concurrent, directUsable: !p._directUnavailable);
            _current = _s.Current;
            _line = new Trace(trace, _r);
        }

        /// <summary>Window <paramref name="w"/>; false once a Content-Length has been written.</summary>
        public bool Step(int w)
        {
            if (_length >= 0 && _written >= _length) return false;
            var o = _p.Context.Options;
            var s = _s;
            var m = _model(new At(_current, _r, w, _settling));
            if (m.Unavailable)
            {
                // The path refused before moving a byte: the meter is reset, the window never closes.
                if (_current.Kind == WritePathKind.Direct) _p._directUnavailable = true;
                _current = s.MarkUnavailable("EINVAL");
                _settling = true;
                _line.Add(w, _current.Label + " " + DecisionKinds.Of(s));
                return true;
            }
            long bytes = Math.Max(1, Math.Min(o.WindowBytes, (long)(m.Rate * o.WindowMs / 1000)));
            if (_length >= 0) bytes = Math.Min(bytes, _length - _written);
            var sample = new CostSample(bytes, (long)(m.Cost * bytes), (long)(bytes / m.Rate * 1e9), (long)(m.Cost * bytes * 1.2), m.Backlog, m.Absorbed);
            _written += bytes;
            _p.Context.ObserveCondition(s, sample, _writing?.Invoke(w) ?? 0);
            var on = _current;
            var seen = new Seen(s, on, _settling, s.Phase, s.SettledIndex, s.ExplorationExtraNs, sample);
            if (!_started)
            {
                _started = true;
                _settling = false;
                s.OnStartWindow(sample);
                _line.Add(w, on.Label + " start-window");
            }
            else if (_settling)
            {
                _settling = false;
                s.OnSwitchWindow(sample);
                _line.Add(w, on.Label + " switch-window");
            }
            else
            {
                s.RemainingBytes = _length < 0 ? long.MaxValue : Math.Max(0, _length - _written);
                var next = s.OnWindow(sample);
                _line.Add(w, on.Label + " " + DecisionKinds.Of(s));
                if (next != _current) { _current = next; _settling = true; }
            }
            _p.OnEach?.Invoke(seen);
            return true;
        }

        public Selector Selector => _s;

        public Selector End()
        {
            _line.Flush();
            _s.Finish(); // as Recording.Finish does, before its costs are merged
            _p.Context.Learned.Merge(_p.Context.LearnedKey, _s);
            _trace?.AppendLine($"r{_r} end {SelectorProtocol.End(_s)}");
            return _s;
        }
    }

    /// <summary>The end state the regression table freezes: figures rounded where float order could move the last digit.</summary>
    public static string End(Selector s)
    {
        var sb = new StringBuilder();
        sb.Append($"on={s.Current.Label} settled={(s.SettledIndex >= 0 ? s.Choices[s.SettledIndex].Label : "-")} switches={s.Switches}");
        sb.Append($" explored={s.ExploredBytes}/{s.TotalBytes} extra={s.ExplorationExtraNs / 1e3:F0}us");
        sb.Append($" condition={s.Condition?.Learned.Key ?? "-"}");
        for (int i = 0; i < s.Choices.Count; i++)
        {
            var c = s.Costs[i];
            if (c.Windows == 0 && !c.Unavailable) continue;
            sb.Append($" {s.Choices[i].Label}={c.NsPerByte:F3}x{c.Windows}h{s.WindowsHere(i)}{(c.Starved ? ",starved" : "")}{(c.Unavailable ? ",unavailable" : "")}");
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_state, recursive: true);
    }

    /// <summary>Run-length lines of "window range, path, decision": one per run of equal windows.</summary>
    private sealed class Trace(StringBuilder? sb, int recording)
    {
        private string? _token;
        private int _from, _to;

        public void Add(int w, string token)
        {
            if (sb is null) return;
            if (token == _token) { _to = w; return; }
            Flush();
            (_token, _from, _to) = (token, w, w);
        }

        public void Flush()
        {
            if (sb is null || _token is null) return;
            sb.AppendLine(_from == _to ? $"r{recording} {_from} {_token}" : $"r{recording} {_from}-{_to} {_token}");
            _token = null;
        }
    }
}
