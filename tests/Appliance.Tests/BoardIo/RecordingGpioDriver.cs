using System.Device.Gpio;
using System.Diagnostics;

namespace Recd.Tests.BoardIo;

/// <summary>
/// A GPIO driver that records every write with its time, answers reads (TM1637 acknowledges: low),
/// and lets a test drive an input line whose level the board thread polls. Edge events throw: recd
/// must never use them (they pull the IL2091 code of the libgpiodv2 and sysfs drivers into the binary).
/// </summary>
public sealed class RecordingGpioDriver : GpioDriver
{
    public readonly record struct PinWrite(int Pin, PinValue Value, long Timestamp);

    private readonly object _gate = new();
    private readonly List<PinWrite> _writes = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinValue> _inputs = [];
    private readonly Dictionary<int, (PinValue Value, int Reads)> _glitches = [];
    private readonly Dictionary<int, long> _reads = [];

    /// <summary>Writes to these pins throw, as a line whose chip went away does.</summary>
    public HashSet<int> FailingPins { get; } = [];

    public List<PinWrite> Writes() { lock (_gate) return [.. _writes]; }

    public PinValue? Level(int pin) { lock (_gate) return _levels.TryGetValue(pin, out var v) ? v : null; }

    /// <summary>Drives an input line to <paramref name="value"/>: what its reads return from now on.</summary>
    public void SetInput(int pin, PinValue value) { lock (_gate) _inputs[pin] = value; }

    /// <summary>The next <paramref name="reads"/> reads of <paramref name="pin"/> return <paramref name="value"/>, then its level again.</summary>
    public void Glitch(int pin, PinValue value, int reads) { lock (_gate) _glitches[pin] = (value, reads); }

    /// <summary>Called on the reading thread at every read (a test learns which thread polls).</summary>
    public Action? OnRead { get; set; }

    /// <summary>How many times <paramref name="pin"/> was read.</summary>
    public long Reads(int pin) { lock (_gate) return _reads.GetValueOrDefault(pin); }

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
        OnRead?.Invoke();
        lock (_gate)
        {
            _reads[pinNumber] = _reads.GetValueOrDefault(pinNumber) + 1;
            if (_glitches.TryGetValue(pinNumber, out var g) && g.Reads > 0)
            {
                _glitches[pinNumber] = (g.Value, g.Reads - 1);
                return g.Value;
            }
            if (_inputs.TryGetValue(pinNumber, out var driven)) return driven;
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

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        throw new InvalidOperationException("recd polls the button: no edge events");

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        throw new InvalidOperationException("recd polls the button: no edge events");

    public override GpioChipInfo GetChipInfo() => new(0, "fake", "recording", 64);
}
