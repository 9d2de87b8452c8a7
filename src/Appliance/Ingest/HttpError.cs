namespace Recd.Ingest;

/// <summary>A request rejected with a status and a reason the client is told.</summary>
public readonly record struct HttpError(int Status, string Reason)
{
    public static HttpError BadRequest(string reason) => new(400, reason);
}
