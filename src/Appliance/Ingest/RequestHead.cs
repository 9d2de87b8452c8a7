namespace Recd.Ingest;

public enum RequestMethod { Get, Head, Put, Delete, Post, Other }

/// <summary>A parsed HTTP/1.x request head. Only the fields recd acts on are kept.</summary>
public sealed class RequestHead
{
    public string Method { get; set; } = "";
    public RequestMethod Kind { get; set; }
    public string Target { get; set; } = "";
    public string Path { get; set; } = "";
    public string Query { get; set; } = "";
    public int MinorVersion { get; set; } = 1;
    public string? Host { get; set; }
    public long ContentLength { get; set; } = -1;
    public bool Chunked { get; set; }
    public bool ExpectContinue { get; set; }
    public bool ConnectionClose { get; set; }
    public bool ConnectionKeepAlive { get; set; }
    public string? ContentRange { get; set; }
    public string? Range { get; set; }
    public string? Authorization { get; set; }
    public int HeaderCount { get; set; }

    public bool HasBody => Chunked || ContentLength > 0;

    public void Reset()
    {
        Method = Target = Path = Query = "";
        Kind = RequestMethod.Other;
        MinorVersion = 1;
        Host = ContentRange = Range = Authorization = null;
        ContentLength = -1;
        Chunked = ExpectContinue = ConnectionClose = ConnectionKeepAlive = false;
        HeaderCount = 0;
    }

    /// <summary>HTTP/1.1 is persistent unless told otherwise; 1.0 only with an explicit keep-alive.</summary>
    public bool KeepAlive => MinorVersion >= 1 ? !ConnectionClose : ConnectionKeepAlive && !ConnectionClose;

    public string? QueryValue(string key)
    {
        foreach (var part in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string k = eq < 0 ? part : part[..eq];
            if (k == key) return eq < 0 ? "" : part[(eq + 1)..];
        }
        return null;
    }
}
