using System.Text;

namespace Recd.Ingest;

/// <summary>Builds an HTTP/1.1 response head (and small body) as bytes. One per response; never on the data path.</summary>
public sealed class Response
{
    private readonly List<(string Name, string Value)> _headers = [];

    public Response(int status) => Status = status;

    public int Status { get; }
    public byte[]? Body { get; private set; }
    public long ContentLength { get; set; } = -1;
    public bool Close { get; set; }

    public Response Header(string name, string value)
    {
        _headers.Add((name, value));
        return this;
    }

    public Response Text(string text)
    {
        Body = Encoding.UTF8.GetBytes(text);
        return Header("Content-Type", "text/plain; charset=utf-8");
    }

    public Response Json(byte[] json)
    {
        Body = json;
        return Header("Content-Type", "application/json");
    }

    /// <summary>Why an error response was given, for the refusal's log line.</summary>
    public string? Reason { get; private init; }

    public static Response Error(int status, string reason, bool close = false) =>
        new Response(status) { Close = close, Reason = reason }.Text($"{status} {ReasonPhrase(status)}: {reason}\n");

    /// <summary>A body of the given media type.</summary>
    public Response Content(byte[] body, string contentType)
    {
        Body = body;
        return Header("Content-Type", contentType);
    }

    public byte[] Head()
    {
        var sb = new StringBuilder(256);
        sb.Append("HTTP/1.1 ").Append(Status).Append(' ').Append(ReasonPhrase(Status)).Append("\r\n");
        sb.Append("Server: recd\r\n");
        foreach (var (name, value) in _headers) sb.Append(name).Append(": ").Append(value).Append("\r\n");
        if (Status >= 200 && Status != 204 && Status != 304)
            sb.Append("Content-Length: ").Append(Body?.Length ?? Math.Max(ContentLength, 0)).Append("\r\n");
        if (Close) sb.Append("Connection: close\r\n");
        sb.Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    public static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        _ => "Status",
    };
}
