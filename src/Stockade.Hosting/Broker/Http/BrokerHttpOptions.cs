namespace Stockade.Hosting.Broker.Http;

/// <summary>Limits for HTTP requests that plugins make through the broker.</summary>
public sealed class BrokerHttpOptions
{
    /// <summary>Largest request body a plugin may send, in bytes. Default 1 MiB.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest response body handed back to a plugin, in bytes; longer bodies are cut off with an error. Default 16 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Total time for one request including redirects and reading the body. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most redirects followed for one request; each hop is checked against the policy again. Default 5.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Returns what is wrong with these options, or an empty list when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxRequestBytes < 0)
        {
            errors.Add($"{nameof(MaxRequestBytes)} must be 0 or more (was {MaxRequestBytes}).");
        }

        if (MaxResponseBytes <= 0)
        {
            errors.Add($"{nameof(MaxResponseBytes)} must be positive (was {MaxResponseBytes}).");
        }

        if (Timeout <= TimeSpan.Zero || Timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{nameof(Timeout)} must be a positive, finite time span (was {Timeout}).");
        }

        if (MaxRedirects is < 0 or > 20)
        {
            errors.Add($"{nameof(MaxRedirects)} must be between 0 and 20 (was {MaxRedirects}).");
        }

        return errors;
    }
}
