using System.Device.Gpio;
using System.Diagnostics;

namespace Recd.Tests.BoardIo;

/// <summary>
/// A GPIO driver that records every write with its time, answers reads (TM1637 acknowledges: low),
/// and lets a test press a button through the same edge events a real driver raises.
/// </summary>
public sealed class RecordingGpioDriver : GpioDriver
{
    public readonly record struct PinWrite(int Pin, PinValue Value, long Timestamp);

    private readonly object _gate = new();
    private readonly List<PinWrite> _writes = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, List<(PinEventTypes Types, PinChangeEventHandler Handler)>> _callbacks = [];

    /// <summary>Writes to these pins throw, as a line whose chip went away does.</summary>
    public HashSet<int> FailingPins { get; } = [];

    public List<PinWrite> Writes() { lock (_gate) return [.. _writes]; }

    public PinValue? Level(int pin) { lock (_gate) return _levels.TryGetValue(pin, out var v) ? v : null; }

    /// <summary>Drives an input line to <paramref name="value"/> and raises the edge it makes.</summary>
    public void SetInput(int pin, PinValue value)
    {
        List<(PinEventTypes, PinChangeEventHandler)> handlers;
        PinEventTypes edge;
        lock (_gate)
        {
            var old = _levels.GetValueOrDefault(pin, PinValue.High);
            _levels[pin] = value;
            if (old == value) return;
            edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = [.. _callbacks.GetValueOrDefault(pin) ?? []];
        }
        foreach (var (types, handler) in handlers)
            if ((types & edge) != 0) handler(this, new PinValueChangedEventArgs(edge, pin));
    }

    protected override int PinCount => 64;

    protected override void OpenPin(int pinNumber) { lock (_gate) _modes[pinNumber] = PinMode.Input; }

    protected override void ClosePin(int pinNumber) { lock (_gate) _modes.Remove(pinNumber); }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate)
        {
            _modes[pinNumber] = mode;
            if (mode == PinMode.InputPullUp && !_levels.ContainsKey(pinNumber)) _levels[pinNumber] = PinValue.High;
        }
    }

    protected override PinMode GetPinMode(int pinNumber) { lock (_gate) return _modes.GetValueOrDefault(pinNumber); }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber)
    {
        lock (_gate)
        {
            // The TM1637 pulls DIO low to acknowledge each byte.
            if (_modes.GetValueOrDefault(pinNumber) == PinMode.Input) return PinValue.Low;
            return _levels.GetValueOrDefault(pinNumber, PinValue.High);
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        if (FailingPins.Contains(pinNumber)) throw new IOException($"line {pinNumber}: Input/output error");
        lock (_gate)
        {
            _writes.Add(new PinWrite(pinNumber, value, Stopwatch.GetTimestamp()));
            _levels[pinNumber] = value;
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            if (!_callbacks.TryGetValue(pinNumber, out var list)) _callbacks[pinNumber] = list = [];
            list.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate) _callbacks.GetValueOrDefault(pinNumber)?.RemoveAll(c => c.Handler == callback);
    }

    public override GpioChipInfo GetChipInfo() => new(0, "fake", "recording", 64);
}
