using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Stockade.Core.Permissions;

/// <summary>
/// A network scope: <c>host[:port]</c>, <c>*.domain[:port]</c> or <c>*[:port]</c> (any host, allowed but flagged
/// by <see cref="IsBroad"/>). Hosts are lower-cased with any trailing dot removed; non-ASCII names are refused
/// (look-alike protection) and must be written in punycode (<c>xn--</c>); IPv4 literals and bracketed IPv6
/// literals are exact hosts. No port means any port. A wildcard (<c>*</c> or <c>*.domain</c>) names hosts,
/// never addresses: it neither matches nor contains an IP literal in any spelling, nor <c>localhost</c>;
/// those are reached only through a grant that names them exactly (<c>network:request=127.0.0.1:8080</c>).
/// </summary>
public sealed class HostPattern : IEquatable<HostPattern>
{
    private const int MaxHostLength = 253;
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private HostPattern(string host, bool wildcard, int? port, bool isIp)
    {
        Host = host;
        IsWildcard = wildcard;
        Port = port;
        IsIpLiteral = isIp;
    }

    /// <summary>
    /// The host: an exact name, the domain after <c>*.</c> for a subdomain wildcard, <c>*</c> for any host,
    /// or an IP literal (IPv6 without brackets).
    /// </summary>
    public string Host { get; }

    /// <summary>True for <c>*.domain</c> and for <c>*</c>.</summary>
    public bool IsWildcard { get; }

    /// <summary>The port, or null for any port.</summary>
    public int? Port { get; }

    /// <summary>True when <see cref="Host"/> is an IPv4 or IPv6 literal.</summary>
    public bool IsIpLiteral { get; }

    /// <summary>True for <c>*</c>: any host on the network. Allowed, but reviewers should see it.</summary>
    public bool IsBroad => IsWildcard && Host == "*";

    /// <summary>Parses a pattern; never throws on bad input.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HostPattern? pattern, out string? error)
    {
        pattern = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "the host is empty; write a host such as api.example.com:443 or *.example.com";
            return false;
        }

        if (text.Length > MaxHostLength + 8)
        {
            error = $"the host pattern is {text.Length} characters long; a host name has at most {MaxHostLength}";
            return false;
        }

        foreach (var c in text)
        {
            if (c > 0x7F)
            {
                error = $"'{text}' contains the non-ASCII character '{c}' (U+{(int)c:X4}); write internationalised names in punycode (xn--...) so look-alike letters cannot pass for familiar names";
                return false;
            }

            if (c <= 0x20 || c == 0x7F)
            {
                error = $"'{text}' contains whitespace or a control character";
                return false;
            }
        }

        string hostPart;
        string? portPart = null;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}' opens an IPv6 literal with '[' but never closes it";
                return false;
            }

            hostPart = text[1..close];
            var after = text[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = $"'{text}' has '{after}' after the IPv6 literal; only ':port' may follow";
                    return false;
                }

                portPart = after[1..];
            }

            if (!IPAddress.TryParse(hostPart, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{hostPart}' is not a valid IPv6 address";
                return false;
            }

            return Finish(v6.ToString(), wildcard: false, isIp: true, portPart, text, out pattern, out error);
        }

        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            if (text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = $"'{text}' has several ':'; write IPv6 literals in brackets, e.g. [::1]:8080";
                return false;
            }

            hostPart = text[..colon];
            portPart = text[(colon + 1)..];
        }
        else
        {
            hostPart = text;
        }

        if (hostPart.EndsWith('.'))
        {
            hostPart = hostPart[..^1];
        }

        hostPart = hostPart.ToLowerInvariant();
        if (hostPart == "*")
        {
            return Finish("*", wildcard: true, isIp: false, portPart, text, out pattern, out error);
        }

        var wildcard = false;
        if (hostPart.StartsWith("*.", StringComparison.Ordinal))
        {
            wildcard = true;
            hostPart = hostPart[2..];
        }

        if (hostPart.Contains('*', StringComparison.Ordinal))
        {
            error = $"'{text}' uses '*' inside a name; '*' may only be the whole left-most label, as in *.example.com";
            return false;
        }

        if (!TryValidateName(hostPart, out var isIp, out error))
        {
            error = $"'{text}': {error}";
            return false;
        }

        if (wildcard && isIp)
        {
            error = $"'{text}' puts a wildcard in front of an IP address; name the address exactly";
            return false;
        }

        return Finish(hostPart, wildcard, isIp, portPart, text, out pattern, out error);
    }

    /// <summary>Parses a pattern and throws on bad input (for programmer-written literals).</summary>
    /// <exception cref="FormatException">The text is not a valid host pattern.</exception>
    public static HostPattern Parse(string text) =>
        TryParse(text, out var pattern, out var error) ? pattern : throw new FormatException($"Invalid host pattern '{text}': {error}.");

    /// <summary>
    /// Whether a connection to <paramref name="host"/> on <paramref name="port"/> is inside the pattern. The host is
    /// compared case-insensitively with a trailing dot ignored; <c>*.example.com</c> matches subdomains only, not
    /// <c>example.com</c> itself. Does not allocate.
    /// </summary>
    public bool Matches(string host, int port)
    {
        if (string.IsNullOrEmpty(host) || (Port is { } p && p != port))
        {
            return false;
        }

        var span = host.AsSpan();
        if (span.Length > 1 && span[^1] == '.')
        {
            span = span[..^1];
        }

        if (span.Length > 2 && span[0] == '[' && span[^1] == ']')
        {
            span = span[1..^1];
        }

        foreach (var c in span)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        if (!IsWildcard)
        {
            return span.Equals(Host, StringComparison.OrdinalIgnoreCase);
        }

        if (IsSpecialName(span) || LooksLikeIpLiteral(span))
        {
            // A wildcard names hosts, never addresses: an IP literal or a loopback name is reached only
            // through a grant that names it exactly (decision 9).
            return false;
        }

        if (Host == "*")
        {
            return true;
        }

        return span.Length > Host.Length + 1
            && span.EndsWith(Host, StringComparison.OrdinalIgnoreCase)
            && span[span.Length - Host.Length - 1] == '.';
    }

    /// <summary>Whether every host and port <paramref name="other"/> allows is also allowed by this pattern.</summary>
    public bool Contains(HostPattern other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Port is { } p && other.Port != p)
        {
            return false;
        }

        if (!IsWildcard)
        {
            return !other.IsWildcard && Host == other.Host;
        }

        if (other.IsIpLiteral || IsSpecialName(other.Host))
        {
            return false;
        }

        if (Host == "*")
        {
            return true;
        }

        if (other.Host == "*")
        {
            return false;
        }

        return other.Host.EndsWith("." + Host, StringComparison.Ordinal) || (other.IsWildcard && other.Host == Host);
    }

    /// <inheritdoc />
    public bool Equals(HostPattern? other) =>
        other is not null && Host == other.Host && IsWildcard == other.IsWildcard && Port == other.Port;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as HostPattern);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Host, IsWildcard, Port);

    /// <summary>The canonical text, e.g. <c>*.example.com:443</c> or <c>[::1]:8080</c>.</summary>
    public override string ToString()
    {
        var host = IsIpLiteral && Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]"
            : IsWildcard && Host != "*" ? "*." + Host
            : Host;
        return Port is { } p ? $"{host}:{p.ToString(CultureInfo.InvariantCulture)}" : host;
    }

    /// <summary>
    /// Names that mean this machine whatever DNS says (RFC 6761 <c>localhost</c> and its subdomains,
    /// <c>localhost.localdomain</c>, <c>ip6-localhost</c>, <c>ip6-loopback</c>): a wildcard never covers them.
    /// </summary>
    public static bool IsSpecialName(ReadOnlySpan<char> host)
    {
        if (host.Length > 1 && host[^1] == '.')
        {
            host = host[..^1];
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.Equals("localhost.localdomain", StringComparison.OrdinalIgnoreCase)
            || host.Equals("ip6-localhost", StringComparison.OrdinalIgnoreCase)
            || host.Equals("ip6-loopback", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether <paramref name="host"/> is an address rather than a name in any spelling a resolver or URL
    /// parser may accept: an IPv6 literal (has ':'), or a host whose last label is a number (decimal,
    /// octal or <c>0x</c> hex: WHATWG reads <c>2130706433</c>, <c>0x7f.1</c> and <c>0177.0.0.1</c> as IPv4).
    /// </summary>
    public static bool LooksLikeIpLiteral(ReadOnlySpan<char> host)
    {
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            return true;
        }

        if (host.Contains(':'))
        {
            return true;
        }

        if (host.Length > 1 && host[^1] == '.')
        {
            host = host[..^1];
        }

        var last = host[(host.LastIndexOf('.') + 1)..];
        if (last.Length == 0)
        {
            return false;
        }

        if (last.Length > 2 && last[0] == '0' && last[1] is 'x' or 'X')
        {
            return !last[2..].ContainsAnyExcept(HexDigits);
        }

        return !last.ContainsAnyExceptInRange('0', '9');
    }

    private static bool Finish(string host, bool wildcard, bool isIp, string? portPart, string text, out HostPattern? pattern, out string? error)
    {
        pattern = null;
        int? port = null;
        if (portPart is not null)
        {
            if (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 65535)
            {
                error = $"'{text}' has port '{portPart}'; a port is a number from 1 to 65535";
                return false;
            }

            port = value;
        }

        pattern = new HostPattern(host, wildcard, port, isIp);
        error = null;
        return true;
    }

    private static bool TryValidateName(string name, out bool isIp, out string? error)
    {
        isIp = false;
        if (name.Length == 0)
        {
            error = "the host name is empty";
            return false;
        }

        if (name.Length > MaxHostLength)
        {
            error = $"the host name is longer than {MaxHostLength} characters";
            return false;
        }

        var labels = name.Split('.');
        if (labels.All(l => l.Length > 0 && l.All(char.IsAsciiDigit)))
        {
            isIp = true;
            if (labels.Length != 4 || labels.Any(l => l.Length > 3 || int.Parse(l, CultureInfo.InvariantCulture) > 255))
            {
                error = "looks like an IPv4 address but is not four numbers from 0 to 255";
                return false;
            }

            error = null;
            return true;
        }

        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63)
            {
                error = "every label between dots must have 1 to 63 characters";
                return false;
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                error = $"label '{label}' starts or ends with '-'";
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
                {
                    error = $"label '{label}' contains '{c}'; host names use letters, digits and '-'";
                    return false;
                }
            }
        }

        error = null;
        return true;
    }
}
