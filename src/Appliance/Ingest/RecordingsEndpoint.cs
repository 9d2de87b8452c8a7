using System.Text.Json;
using Recd.Interop;
using Recd.Logging;
using Recd.Recordings;
using Recd.WritePaths;

namespace Recd.Ingest;

/// <summary>
/// The /recordings resource: HTTP status codes are chosen here and only here; the store and the
/// write paths below speak in outcomes and errno values.
/// </summary>
public sealed class RecordingsEndpoint(RecordingStore store)
{
    public RecordingStore Store => store;

    public Response List(RequestHead head)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var m in store.List())
            {
                json.WriteStartObject();
                json.WriteString("name", m.Name);
                json.WriteNumber("size", m.CommittedLength);
                json.WriteString("state", m.State);
                json.WriteString("created", m.Created);
                json.WriteString("updated", m.Updated);
                if (m.WritePath is not null) json.WriteString("writePath", m.WritePath);
                if (m.Client is not null) json.WriteString("client", m.Client);
                if (m.Reason is not null) json.WriteString("reason", m.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return new Response(200).Json(buffer.WrittenSpan.ToArray());
    }

    public Response Delete(string name)
    {
        var outcome = store.Delete(name, out int errno);
        switch (outcome)
        {
            case RecordingStore.DeleteOutcome.Deleted:
                Log.Info($"deleted {name}");
                return new Response(204);
            case RecordingStore.DeleteOutcome.NotFound:
                return Response.Error(404, "no such recording");
            case RecordingStore.DeleteOutcome.Busy:
                return Response.Error(409, "recording in progress");
            default:
                return StorageError(errno, "delete failed");
        }
    }

    public bool Get(RequestHead head, string name, ClientSocket socket)
    {
        // The descriptor is opened together with the snapshot it is served under: a delete or an
        // overwrite racing this GET can never put the new recording's bytes under the old headers.
        bool follow = head.QueryValue("follow") is "1" or "true";
        var opened = store.TryOpenForRead(name, out var manifest, out int fd, out int openErr, out var progress);
        if (opened == RecordingStore.OpenOutcome.NotFound) return Send(socket, head, Response.Error(404, "no such recording"));
        if (opened == RecordingStore.OpenOutcome.StorageFailed)
        {
            Log.Warn($"{socket.Remote}: GET {name}: open failed ({Libc.ErrnoName(openErr)})");
            StorageCounters.Errors.Add(openErr);
            return Send(socket, head, StorageError(openErr, "cannot open recording"));
        }
        // sendfile reads this descriptor, never the name again: a later delete or overwrite cannot change what a follower is served.
        try { return follow ? new FollowSender(store, socket, name, manifest!, fd, progress).Serve(head) : Serve(head, name, manifest!, fd, socket); }
        finally { Libc.Close(fd); }
    }

    private bool Serve(RequestHead head, string name, Manifest manifest, int fd, ClientSocket socket)
    {

        // Only committed bytes are served: they are the ones the manifest promises. A recording in
        // progress can be read (time-shift) up to its last commit.
        long length = manifest.CommittedLength;
        long first = 0, last = length - 1;
        int status = 200;
        if (ContentRangeHeader.TryResolve(head.Range, length, out long f, out long l, out bool satisfiable))
        {
            if (!satisfiable)
                return Send(socket, head, Response.Error(416, "range not satisfiable").Header("Content-Range", $"bytes */{length}"));
            first = f;
            last = l;
            status = 206;
        }
        long count = length == 0 ? 0 : last - first + 1;
        var response = new Response(status) { ContentLength = count };
        response.Header("Content-Type", name.EndsWith(".ts", StringComparison.OrdinalIgnoreCase) ? "video/mp2t" : "application/octet-stream");
        response.Header("Accept-Ranges", "bytes");
        response.Header("Recd-State", manifest.State);
        response.Header("Recd-Committed-Length", manifest.CommittedLength.ToString());
        if (manifest.WritePath is not null) response.Header("Recd-Write-Path", manifest.WritePath);
        if (status == 206) response.Header("Content-Range", $"bytes {first}-{last}/{length}");
        if (!head.KeepAlive) response.Close = true;

        if (!socket.SendAll(response.Head())) return false;
        if (head.Kind == RequestMethod.Head || count == 0) return !response.Close;
        int err = FileSender.TrySend(socket, fd, first, count, out long sent);
        if (err != 0 || sent != count)
        {
            Log.Warn($"{socket.Remote}: GET {name} stopped after {sent} of {count} bytes ({Libc.ErrnoName(err)})");
            return false; // the head promised count bytes: the only honest end is closing
        }
        return !response.Close;
    }

    public bool Put(RequestHead head, string name, ConnectionBuffer buffer, ClientSocket socket, HttpLimits limits)
    {
        if (!head.Chunked && head.ContentLength < 0)
            return Refuse(socket, head, Response.Error(411, "Content-Length or chunked Transfer-Encoding required"));

        var mode = head.QueryValue("overwrite") is "1" or "true" ? BeginMode.Overwrite : BeginMode.Create;
        long resumeAt = 0;
        if (head.ContentRange is { } range)
        {
            if (!ContentRangeHeader.TryParseUpload(range, out long start, out long end))
                return Refuse(socket, head, Response.Error(400, "malformed Content-Range (expected bytes START-END/*)"));
            if (!head.Chunked && end - start + 1 != head.ContentLength)
                return Refuse(socket, head, Response.Error(400, "Content-Range does not match Content-Length"));
            mode = BeginMode.Resume;
            resumeAt = start;
        }

        PathPolicy? policy = null;
        if (head.QueryValue("path") is { } pathText)
        {
            if (!PathPolicy.TryParse(pathText, store.PathOptions, out var p, out string why))
                return Refuse(socket, head, Response.Error(400, $"path must be auto, buffered, splice, direct or kind/size@batch ({why})"));
            policy = p;
        }

        bool protect = head.QueryValue("protect") is "1" or "true";
        var outcome = store.TryBegin(name, mode, resumeAt, socket.Remote, policy, out var recording, out long committed, out int errno,
            expectedBytes: head.Chunked ? 0 : head.ContentLength, protect: protect);
        switch (outcome)
        {
            case BeginOutcome.Exists:
                return Refuse(socket, head, Response.Error(409, "recording exists (use ?overwrite=1 to replace, or Content-Range to resume)")
                    .Header("Recd-Committed-Length", committed.ToString()));
            case BeginOutcome.Busy:
                return Refuse(socket, head, Response.Error(409, "recording in progress"));
            case BeginOutcome.CaseCollision:
                return Refuse(socket, head, Response.Error(409, $"a recording named {store.Find(name)?.Name ?? name} exists, and this storage does not tell names apart by case"));
            case BeginOutcome.OffsetMismatch:
                return Refuse(socket, head, Response.Error(416, $"resume must start at the committed length {committed}")
                    .Header("Content-Range", $"bytes */{committed}")
                    .Header("Recd-Committed-Length", committed.ToString()));
            case BeginOutcome.NoSpace:
                return Refuse(socket, head, Response.Error(507, "free space is below the reserve (or below the announced Content-Length) and nothing can be deleted"));
            case BeginOutcome.TooMany:
                return Refuse(socket, head, Response.Error(503, "too many recordings in progress").Header("Retry-After", "5"));
            case BeginOutcome.NotMounted:
                return Refuse(socket, head, Response.Error(503, "storage is not mounted where the board profile expects it"));
            case BeginOutcome.StorageFailed:
                Log.Error($"{name}: cannot begin: {Libc.ErrnoName(errno)}");
                StorageCounters.Errors.Add(errno);
                return Refuse(socket, head, StorageError(errno, "cannot create recording"));
        }

        using (recording)
        {
            if (head.ExpectContinue && !socket.SendAll("HTTP/1.1 100 Continue\r\n\r\n"u8))
            {
                recording!.Finish(RecordingStates.Interrupted, "client gone before the body");
                return false;
            }
            Log.Info($"{socket.Remote}: PUT {name} ({outcome.ToString().ToLowerInvariant()} at {committed}, {recording!.PathLabel})");
            var result = RequestBody.CopyTo(recording, head, buffer, socket, limits);
            bool ok = result.Ok;
            string? reason = ok ? null : Describe(result);
            int finishErr = recording.Finish(ok ? RecordingStates.Complete : RecordingStates.Interrupted, reason);
            if (ok && finishErr != 0) { ok = false; reason = "commit failed: " + (recording.Fault?.ToString() ?? Libc.ErrnoName(finishErr)); }
            Log.Info($"{socket.Remote}: PUT {name} {(ok ? "complete" : "interrupted: " + reason)}, {recording.Committed} bytes committed");

            Response response;
            if (ok)
            {
                response = outcome == BeginOutcome.Created ? new Response(201) : new Response(204);
                if (outcome == BeginOutcome.Created) response.Header("Location", "/recordings/" + name).Text($"created {name}, {recording.Committed} bytes\n");
            }
            else if (result.FramingError is { } fe) response = Response.Error(fe.Status, fe.Reason, close: true);
            else if (recording.Fault is { } fault)
                response = Response.Error(500, $"recording stopped: storage error: {fault}; {recording.Committed} bytes committed, the recording is damaged");
            else if (result.Move.Status == MoveStatus.StorageFailed || finishErr != 0)
                response = StorageError(result.Move.Errno != 0 ? result.Move.Errno : finishErr, "recording stopped");
            else if (result.Move.Status == MoveStatus.TimedOut) response = Response.Error(408, "request body stalled", close: true);
            else if (result.Move.Status == MoveStatus.Stopped) response = Response.Error(503, "recording stopped by the operator", close: true);
            else return false; // the client went away: nobody to answer
            response.Header("Recd-Committed-Length", recording.Committed.ToString());
            response.Header("Recd-Write-Path", recording.PathLabel);
            if (!ok) response.Close = true;
            bool sent = Send(socket, head, response);
            if (!ok) socket.LingeringClose();
            return sent && ok;
        }
    }

    private static string Describe(RequestBody.Result result) =>
        result.FramingError is { } fe ? "bad chunked framing: " + fe.Reason :
        result.Move.Status switch
        {
            MoveStatus.PeerClosed => "client closed the connection before the body ended",
            MoveStatus.TimedOut => "no data from the client within the idle timeout",
            MoveStatus.Stopped => "stopped by the operator",
            MoveStatus.SocketFailed => "connection failed: " + Libc.ErrnoName(result.Move.Errno),
            MoveStatus.StorageFailed when result.Move.Errno is Libc.ENOSPC or Libc.EDQUOT => "truncated: no space",
            MoveStatus.StorageFailed when result.Move.Errno == Libc.EFBIG => "truncated: file too large for this filesystem",
            MoveStatus.StorageFailed => "storage error: " + Libc.ErrnoName(result.Move.Errno),
            _ => result.Move.Status.ToString(),
        };

    private static Response StorageError(int errno, string what) => errno switch
    {
        Libc.ENOSPC or Libc.EDQUOT => Response.Error(507, $"{what}: no space left on storage"),
        Libc.EFBIG => Response.Error(507, $"{what}: file too large for this filesystem"),
        _ => Response.Error(500, $"{what}: {Libc.ErrnoName(errno)}"),
    };

    private static bool Refuse(ClientSocket socket, RequestHead head, Response response) =>
        ResponseWriter.SendAndClose(socket, head, response);

    private static bool Send(ClientSocket socket, RequestHead head, Response response) =>
        ResponseWriter.Send(socket, head, response);
}
