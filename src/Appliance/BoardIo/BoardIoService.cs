using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Diagnostics;
using Recd.Board;
using Recd.Logging;
using Recd.Recordings;

namespace Recd.BoardIo;

/// <summary>
/// LEDs, the front panel, the button and the SoC temperature. Sits above Recordings: the store posts
/// its events into a queue (never blocking the transfer thread), and one thread of its own does every
/// GPIO operation, so a slow or failing line can never stall or fail a recording.
/// Recording LED: on while any recording is being written. Error LED: on after a recording ends
/// damaged or the storage refuses one (no space, not mounted, open/write failed); off again once a
/// later recording ends complete. Button: a short press shows the status pages now (recordings,
/// free space, temperature); a long press stops every recording cleanly (interrupted, manifests written).
/// The button is read by polling on the board thread (BoardIoService.Button.cs), not by edge events.
/// </summary>
public sealed partial class BoardIoService : IDisposable
{
    private readonly record struct Item(long Timestamp, RecordingEvent Event);

    private readonly RecordingStore _store;
    private readonly GpioOptions _gpio;
    private readonly DisplayOptions _displayOptions;
    private readonly Func<int> _stopRecordings;
    private readonly ConcurrentQueue<Item> _queue = new();
    private readonly AutoResetEvent _signal = new(false);
    private readonly GpioController? _controller;
    private readonly OutputLine? _recordingLed;
    private readonly OutputLine? _errorLed;
    private readonly PanelDisplay? _display;
    private readonly ThermalZone? _thermal;
    private readonly string? _noGpio;
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile BoardIoSnapshot _snapshot;

    // Board thread state.
    private bool _error;
    private int _page;
    private bool _statusRound;
    private long _nextPage;
    private long _nextTemperature;
    private double? _temperature;
    private long _shortPresses, _longPresses;

    public BoardIoService(BoardProfile profile, RecordingStore store, Func<int> stopRecordings)
        : this(profile.Gpio, profile.Display, profile.Sensors, store, stopRecordings, GpioOpen.TryDriver(profile.Gpio, out var why), why)
    {
    }

    /// <summary>Test seam: any <see cref="GpioDriver"/> (null: no GPIO, for <paramref name="noGpio"/>).</summary>
    internal BoardIoService(GpioOptions gpio, DisplayOptions display, SensorsOptions sensors, RecordingStore store,
        Func<int> stopRecordings, GpioDriver? driver, string? noGpio)
    {
        _store = store;
        _gpio = gpio;
        _displayOptions = display;
        _stopRecordings = stopRecordings;
        if (sensors.ThermalZone is { Length: > 0 } zone) _thermal = new ThermalZone(zone);
        if (driver is null)
        {
            _noGpio = noGpio ?? "no driver";
            // Once, at start: the board runs without LEDs, panel and button from here on.
            Log.Info($"board: no GPIO ({_noGpio}): no LEDs, front panel or button");
        }
        else
        {
            _controller = new GpioController(driver);
            _recordingLed = OpenLed("RecordingLed", gpio.RecordingLed);
            _errorLed = OpenLed("ErrorLed", gpio.ErrorLed);
            if (gpio.Button.Line >= 0) OpenButton(gpio.Button);
            if (display.Kind == "tm1637")
            {
                _display = PanelDisplay.TryOpen(_controller, display, out var why);
                if (_display is null) Log.Warn($"board: tm1637 on lines {display.ClockLine}/{display.DataLine} not opened ({why}); no front panel");
            }
        }
        _snapshot = TakeSnapshot(0);
    }

    /// <summary>How long each panel page stays up before the next one.</summary>
    internal TimeSpan PageInterval { get; set; } = TimeSpan.FromSeconds(3);

    internal TimeSpan TemperatureInterval { get; set; } = TimeSpan.FromSeconds(10);

    public bool HasGpio => _controller is not null;

    /// <summary>What the board shows now; cheap, never touches a line or a file.</summary>
    public BoardIoSnapshot Snapshot => _snapshot;

    public void Start()
    {
        _store.Changed += OnRecordingEvent;
        _thread = new Thread(Run) { IsBackground = true, Name = "board-io" };
        _thread.Start();
    }

    // The transfer thread's side: a queue post and a wakeup, nothing that can block or throw.
    private void OnRecordingEvent(RecordingEvent e)
    {
        _queue.Enqueue(new Item(Stopwatch.GetTimestamp(), e));
        _signal.Set();
    }

    private void Run()
    {
        long now = Stopwatch.GetTimestamp();
        _nextPage = now + Ticks(PageInterval);
        _nextPoll = now;
        ReadTemperature(now);
        Render();
        while (!_stopping)
        {
            now = Stopwatch.GetTimestamp();
            // Only what the board has wakes the thread: without a panel, a thermal zone and a button it
            // sleeps until a recording event (an idle box pays nothing for board I/O it lacks).
            long wakeAt = long.MaxValue;
            if (_display is not null) wakeAt = _nextPage;
            if (_thermal is not null) wakeAt = Math.Min(wakeAt, _nextTemperature);
            if (_buttonLine >= 0) wakeAt = Math.Min(wakeAt, _nextPoll);
            // Rounded up: waking a fraction of a millisecond early would spin on WaitOne(0) until the deadline.
            int waitMs = wakeAt == long.MaxValue ? Timeout.Infinite
                : (int)Math.Clamp((wakeAt - now) * 1000 / Stopwatch.Frequency + 1, 0, 60_000);
            _signal.WaitOne(waitMs);
            if (_stopping) break;
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                // Render only after a change: a poll that saw the same level costs one line read, nothing
                // more, and a temperature read that found the same value one file read.
                bool changed = false;
                while (_queue.TryDequeue(out var item)) { Handle(item); changed = true; }
                now = Stopwatch.GetTimestamp();
                if (_buttonLine >= 0 && now >= _nextPoll) changed |= PollButton(now);
                if (_display is not null && now >= _nextPage) { NextPage(now); changed = true; }
                if (_thermal is not null && now >= _nextTemperature) changed |= ReadTemperature(now);
                if (changed) Render();
            }
            // Board I/O must outlive its own bugs: an exception escaping this thread would end the daemon.
            catch (Exception e)
            {
                Log.Error($"board: {e.GetType().Name}: {e.Message}; board I/O carries on");
            }
            CountPass(GC.GetAllocatedBytesForCurrentThread() - allocated);
        }
        _recordingLed?.Set(false);
        _errorLed?.Set(false);
        _display?.Clear();
    }

    private void Handle(Item item)
    {
        var e = item.Event;
        if (e.Kind == RecordingEventKind.Refused || (e.Kind == RecordingEventKind.Ended && e.State == RecordingStates.Damaged))
        {
            if (!_error) Log.Warn($"board: error LED on ({e.Name}: {(e.Kind == RecordingEventKind.Refused ? e.Outcome.ToString() : e.State)})");
            _error = true;
        }
        else if (e.Kind == RecordingEventKind.Ended && e.State == RecordingStates.Complete)
            _error = false; // a recording made it to disk whole: the storage works again
        ShowPage(0, item.Timestamp);
    }

    private void ShowPage(int page, long now)
    {
        _page = page;
        _nextPage = now + Ticks(PageInterval);
    }

    private void NextPage(long now)
    {
        int pages = _statusRound ? 3 : 2;
        int next = _page + 1;
        if (next >= pages) { next = 0; _statusRound = false; }
        ShowPage(next, now);
    }

    /// <summary>True when the reading differs from the last one (the panel and the snapshot show it).</summary>
    private bool ReadTemperature(long now)
    {
        _nextTemperature = now + Ticks(TemperatureInterval);
        if (_thermal is null) return false;
        double? t = _thermal.TryReadCelsius();
        bool changed = t != _temperature;
        _temperature = t;
        return changed;
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    public void Dispose()
    {
        _store.Changed -= OnRecordingEvent;
        _stopping = true;
        _signal.Set();
        bool ended = _thread?.Join(TimeSpan.FromSeconds(2)) ?? true;
        // The zone's fd is the board thread's: closed only once that thread is gone.
        if (ended) _thermal?.Dispose();
        _display?.Dispose();
        _controller?.Dispose();
        _signal.Dispose();
    }
}
