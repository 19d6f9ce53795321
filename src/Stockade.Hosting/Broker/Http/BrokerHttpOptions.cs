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
    public IReadOnlyList<string> Validate() => Validate(nameof(BrokerHttpOptions));

    /// <summary>Every problem, each named under <paramref name="owner"/> (e.g. <c>PluginHostOptions.Http</c>).</summary>
    internal IReadOnlyList<string> Validate(string owner)
    {
        var errors = new OptionErrors(owner);
        errors.AtLeast(nameof(MaxRequestBytes), MaxRequestBytes, 0);
        errors.AtLeast(nameof(MaxResponseBytes), MaxResponseBytes, 1);
        errors.Positive(nameof(Timeout), Timeout);
        errors.Between(nameof(MaxRedirects), MaxRedirects, 0, 20);
        return errors.Problems;
    }
}
