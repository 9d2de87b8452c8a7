using Recd.Logging;

namespace Recd.Ingest;

/// <summary>
/// One client connection on its own thread: read a head within the header timeout, dispatch, repeat
/// while keep-alive allows. Blocking calls only; every wait is bounded by poll or a socket timeout.
/// </summary>
public sealed class HttpConnection(ClientSocket socket, HttpLimits limits, RecordingsEndpoint recordings, AccessPolicy access,
    ConnectionTable? table = null, Func<byte[]>? metrics = null)
{
    private readonly ConnectionBuffer _buffer = new(limits.MaxHeaderBytes + 8192);
    private readonly RequestHead _head = new();

    public ClientSocket Socket => socket;

    private int _phase = (int)ConnectionPhase.Fresh;
    private int _generation;
    private long _phaseSince = Environment.TickCount64;
    private long _lastProgress;
    private volatile bool _belowMinRate;

    /// <summary>What this connection is doing; written by its own thread only.</summary>
    public ConnectionPhase Phase => (ConnectionPhase)Volatile.Read(ref _phase);

    /// <summary>When the current phase began (Environment.TickCount64).</summary>
    public long PhaseSince => Volatile.Read(ref _phaseSince);

    /// <summary>Changes with every phase, so the monitor starts a new count for each request.</summary>
    public int Generation => Volatile.Read(ref _generation);

    private long _phaseStartCount = -1;

    /// <summary>
    /// The kernel's byte counter (received for a body, acked for a response) when this phase began,
    /// -1 if unknown. Read here, once per request, because the monitor may first look a second later:
    /// a client that sent 1 MiB and paused before that look would have been judged on 0 bytes.
    /// </summary>
    public long PhaseStartCount => Volatile.Read(ref _phaseStartCount);

    internal void EnterPhase(ConnectionPhase phase)
    {
        long count = -1;
        if (phase is ConnectionPhase.Body or ConnectionPhase.Response
            && socket.TryReadProgress(out var p) == ClientSocket.ProgressRead.Ok)
            count = (long)(phase == ConnectionPhase.Body ? p.Received : p.Acked);
        Volatile.Write(ref _phaseStartCount, count);
        Volatile.Write(ref _phaseSince, Environment.TickCount64);
        _belowMinRate = false;
        Volatile.Write(ref _phase, (int)phase);
        Interlocked.Increment(ref _generation);
    }

    /// <summary>
    /// Since when this connection has made no progress: the start of its wait for a head (a
    /// dribbled head is no progress, slowloris), or the last monitor tick its kernel counters moved.
    /// </summary>
    public long StaleSince => Math.Max(Volatile.Read(ref _phaseSince), Volatile.Read(ref _lastProgress));

    /// <summary>Set by the rate monitor when the counters moved.</summary>
    internal void MarkProgress(long now) => Volatile.Write(ref _lastProgress, now);

    /// <summary>The monitor's verdict on a body so far: below the minimum rate (it may still be in its grace period).</summary>
    public bool BelowMinRate { get => _belowMinRate; internal set => _belowMinRate = value; }

    /// <summary>The rate monitor's count for the current phase; touched by the monitor thread only.</summary>
    internal readonly RateCount Rate = new();

    /// <summary>Chosen for eviction by the listener (guarded by its lock).</summary>
    public bool Evicted { get; set; }

    public void Run()
    {
        socket.SetReceiveTimeout(limits.BodyIdleTimeoutMs);
        socket.SetSendTimeout(limits.SendTimeoutMs);
        try
        {
            bool first = true;
            while (ReadHead(first) is { } outcome)
            {
                first = false;
                if (outcome.Error is { } error)
                {
                    _head.Reset(); // what was parsed of a bad head (a HEAD method, say) must not shape the error
                    ResponseWriter.SendAndClose(socket, _head, Response.Error(error.Status, error.Reason));
                    return;
                }
                bool recording = _head.Kind == RequestMethod.Put;
                if (table is null) EnterPhase(recording ? ConnectionPhase.Body : ConnectionPhase.Response);
                else if (!table.TryBeginRequest(this, recording))
                {
                    ResponseWriter.SendAndClose(socket, _head, Response.Error(503, "too many readers: the readers' slots are busy").Header("Retry-After", "1"));
                    return;
                }
                bool keepOpen = Dispatch();
                if (!keepOpen || !_head.KeepAlive) break;
                EnterPhase(ConnectionPhase.Idle);
            }
        }
        catch (Exception e)
        {
            // A bug in one request must not take the daemon down; the recording was finished by its owner.
            Log.Error($"{socket.Remote}: connection failed: {e}");
        }
        finally
        {
            socket.Dispose();
        }
    }

    private readonly record struct HeadOutcome(HttpError? Error);

    /// <summary>null: the connection is over (EOF, idle timeout). Otherwise a head or the error to send.</summary>
    private HeadOutcome? ReadHead(bool first)
    {
        // Idle keep-alive wait first, then the whole head within the header timeout (slowloris guard).
        long deadline = 0;
        while (true)
        {
            if (_buffer.Count > 0)
            {
                var status = HttpHeadParser.TryParse(_buffer.Data, limits, _head, out int consumed, out var error);
                if (status == ParseStatus.Complete) { _buffer.Consume(consumed); return new HeadOutcome(null); }
                if (status == ParseStatus.Invalid) return new HeadOutcome(error);
                if (deadline == 0) deadline = Environment.TickCount64 + limits.HeaderTimeoutMs;
            }
            int wait = deadline == 0
                ? (first ? limits.HeaderTimeoutMs : limits.KeepAliveTimeoutMs)
                : (int)Math.Max(0, deadline - Environment.TickCount64);
            var fill = _buffer.Fill(socket, wait);
            switch (fill)
            {
                case ConnectionBuffer.FillResult.Read:
                    continue;
                case ConnectionBuffer.FillResult.TimedOut when _buffer.Count > 0:
                    return new HeadOutcome(new HttpError(408, "request head not received in time"));
                case ConnectionBuffer.FillResult.Full:
                    return new HeadOutcome(new HttpError(431, "request head too large"));
                default:
                    return null;
            }
        }
    }

    private bool Dispatch()
    {
        var head = _head;
        const string prefix = "/recordings";
        if (access.Check(head, socket.Address) is { } denied) return Reject(head, denied);
        if (head.HasBody && head.Kind != RequestMethod.Put)
            return Reject(head, Response.Error(400, $"{head.Method} takes no request body"));
        if (head.Path == AccessPolicy.MetricsPath && metrics is not null)
            return head.Kind is RequestMethod.Get or RequestMethod.Head
                ? Send(new Response(200).Content(metrics(), "text/plain; version=0.0.4; charset=utf-8"))
                : Reject(head, MethodError(head, "GET, HEAD"));
        if (head.Path == prefix || head.Path == prefix + "/")
        {
            return head.Kind switch
            {
                RequestMethod.Get or RequestMethod.Head => Send(recordings.List(head)),
                _ => Reject(head, MethodError(head, "GET, HEAD")),
            };
        }
        if (head.Path.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            string name = head.Path[(prefix.Length + 1)..];
            if (!RecordingName.IsValid(name, limits.MaxNameLength))
                return Reject(head, Response.Error(400, "invalid recording name: one path segment of [A-Za-z0-9._-], not starting with '.'"));
            return head.Kind switch
            {
                RequestMethod.Put => recordings.Put(head, name, _buffer, socket, limits),
                RequestMethod.Get or RequestMethod.Head => recordings.Get(head, name, socket),
                RequestMethod.Delete => Send(recordings.Delete(name)),
                _ => Reject(head, MethodError(head, "GET, HEAD, PUT, DELETE")),
            };
        }
        if (head.Kind == RequestMethod.Other) return Reject(head, Response.Error(501, $"method {head.Method} not implemented"));
        return Reject(head, Response.Error(404, "no such resource"));
    }

    private static Response MethodError(RequestHead head, string allow) =>
        head.Kind == RequestMethod.Other
            ? Response.Error(501, $"method {head.Method} not implemented")
            : Response.Error(405, $"method {head.Method} not allowed here").Header("Allow", allow);

    /// <summary>An error before the body was read: without a body the connection may go on.</summary>
    private bool Reject(RequestHead head, Response response) =>
        head.HasBody ? ResponseWriter.SendAndClose(socket, head, response) : ResponseWriter.Send(socket, head, response);

    private bool Send(Response response) => ResponseWriter.Send(socket, _head, response);
}
