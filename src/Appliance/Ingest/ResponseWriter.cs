namespace Recd.Ingest;

/// <summary>Puts a response on the wire and says whether the connection can carry another request.</summary>
public static class ResponseWriter
{
    public static bool Send(ClientSocket socket, RequestHead head, Response response)
    {
        if (!head.KeepAlive) response.Close = true;
        // Every answer of recd passes here: the one place a refusal is logged and counted.
        if (response.Status >= 400) Refusals.Note(socket.Remote, head.Method, head.Path, response.Status, response.Reason);
        bool ok = socket.SendAll(response.Head());
        if (ok && response.Body is { } body && head.Kind != RequestMethod.Head) ok = socket.SendAll(body);
        return ok && !response.Close;
    }

    /// <summary>
    /// For an answer given before the request body was read: the body cannot be skipped safely, so
    /// the connection ends, after a lingering drain so the client reads the answer, not a reset.
    /// </summary>
    public static bool SendAndClose(ClientSocket socket, RequestHead head, Response response)
    {
        response.Close = true;
        Send(socket, head, response);
        socket.LingeringClose();
        return false;
    }
}
