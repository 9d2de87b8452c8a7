namespace Recd.Ingest;

/// <summary>What a connection is doing, published by its thread for the listener and the rate monitor.</summary>
public enum ConnectionPhase
{
    /// <summary>Accepted, first head not complete yet (bounded by the header timeout).</summary>
    Fresh,
    /// <summary>Keep-alive, waiting for the next head (bounded by the keep-alive timeout).</summary>
    Idle,
    /// <summary>A PUT: from its head to its answer, the body in between. Judged by the body rate.</summary>
    Body,
    /// <summary>Any other request, a GET's sendfile above all. Judged by the response rate.</summary>
    Response,
}
