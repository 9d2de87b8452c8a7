using Recd.Recordings;
using Recd.WritePaths;

namespace Recd.Ingest;

/// <summary>
/// Feeds a request body into a recording: Content-Length or chunked framing. Bytes already in the
/// connection buffer are written from memory first; the rest is moved from the socket by the
/// recording's write path in exact spans, so the path never reads framing or the next request.
/// </summary>
public static class RequestBody
{
    public readonly record struct Result(MoveResult Move, HttpError? FramingError)
    {
        public bool Ok => Move.IsCompleted && FramingError is null;
    }

    public static Result CopyTo(Recording recording, RequestHead head, ConnectionBuffer buffer, ClientSocket socket, HttpLimits limits)
    {
        if (!head.Chunked)
        {
            recording.ExpectedEnd = recording.Length + head.ContentLength;
            return CopySpan(recording, head.ContentLength, buffer, socket, limits, 0);
        }

        long total = 0;
        while (true)
        {
            var status = Parse(Framing.ChunkLine, buffer, socket, limits, total, out long size, out var fail, out var error);
            if (status != ParseStatus.Complete) return new Result(fail, error);

            if (size == 0)
            {
                status = Parse(Framing.Trailer, buffer, socket, limits, total, out _, out fail, out error);
                return status == ParseStatus.Complete ? new Result(new MoveResult(total, MoveStatus.Completed), null) : new Result(fail, error);
            }

            var span = CopySpan(recording, size, buffer, socket, limits, total);
            total = span.Move.Moved;
            if (!span.Ok) return span;

            status = Parse(Framing.DataEnd, buffer, socket, limits, total, out _, out fail, out error);
            if (status != ParseStatus.Complete) return new Result(fail, error);
        }
    }

    private static Result CopySpan(Recording recording, long count, ConnectionBuffer buffer, ClientSocket socket, HttpLimits limits, long before)
    {
        long moved = 0;
        int fromBuffer = (int)Math.Min(count, buffer.Count);
        if (fromBuffer > 0)
        {
            var r = recording.WriteFromBuffer(buffer.Data[..fromBuffer]);
            buffer.Consume(fromBuffer);
            moved += r.Moved;
            if (!r.IsCompleted) return new Result(r with { Moved = before + moved }, null);
        }
        if (moved < count)
        {
            var r = recording.Receive(socket.Fd, count - moved, limits.BodyIdleTimeoutMs);
            moved += r.Moved;
            if (!r.IsCompleted) return new Result(r with { Moved = before + moved }, null);
        }
        return new Result(new MoveResult(before + moved, MoveStatus.Completed), null);
    }

    private enum Framing { ChunkLine, DataEnd, Trailer }

    /// <summary>
    /// Bytes read per framing step: a data-ending CRLF plus a typical chunk line ("10000\r\n") fit,
    /// so one recv per chunk, and at most a few data bytes detour through the connection buffer.
    /// </summary>
    private const int FramingReadBytes = 32;

    /// <summary>Runs a framing parser over the buffer, reading more from the socket while it needs more.</summary>
    private static ParseStatus Parse(Framing framing, ConnectionBuffer buffer, ClientSocket socket, HttpLimits limits, long total,
        out long chunkSize, out MoveResult fail, out HttpError? framingError)
    {
        fail = new MoveResult(total, MoveStatus.Completed);
        framingError = null;
        chunkSize = 0;
        while (true)
        {
            int consumed;
            HttpError error;
            var status = framing switch
            {
                Framing.ChunkLine => ChunkedDecoder.TryParseChunkLine(buffer.Data, limits.MaxChunkLineBytes, out chunkSize, out consumed, out error),
                Framing.DataEnd => ChunkedDecoder.TryParseDataEnd(buffer.Data, out consumed, out error),
                _ => ChunkedDecoder.TryParseTrailer(buffer.Data, limits.MaxHeaderBytes, out consumed, out error),
            };
            if (status == ParseStatus.Complete) { buffer.Consume(consumed); return status; }
            if (status == ParseStatus.Invalid)
            {
                framingError = error;
                return status;
            }
            var fill = buffer.Fill(socket, limits.BodyIdleTimeoutMs, FramingReadBytes);
            if (fill == ConnectionBuffer.FillResult.Read) continue;
            fail = new MoveResult(total, fill switch
            {
                ConnectionBuffer.FillResult.Eof => MoveStatus.PeerClosed,
                ConnectionBuffer.FillResult.TimedOut => MoveStatus.TimedOut,
                _ => MoveStatus.SocketFailed,
            });
            if (fill == ConnectionBuffer.FillResult.Full) framingError = HttpError.BadRequest("chunk framing too large");
            return ParseStatus.Invalid;
        }
    }
}
