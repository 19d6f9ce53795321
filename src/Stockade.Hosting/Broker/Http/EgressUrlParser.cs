using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Stockade.Hosting.Broker.Http;

/// <summary>
/// Turns an untrusted URL string into an <see cref="EgressTarget"/>, refusing every form that could
/// make the name checked by the policy differ from the place the request goes: userinfo, percent-encoded
/// or non-ASCII hosts, numeric IPv4 spellings other than the dotted quad, and any disagreement between
/// this parser and <see cref="Uri"/>.
/// </summary>
internal static class EgressUrlParser
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");
    private static readonly SearchValues<char> HostNameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");

    /// <summary>Parses <paramref name="url"/>; on failure <paramref name="error"/> says why and which code applies.</summary>
    public static bool TryParse(string? url, out EgressTarget? target, out EgressRefusal? error)
    {
        target = null;
        error = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = Invalid("the URL is empty; pass an absolute http:// or https:// URL");
            return false;
        }

        var text = url.Trim();
        var schemeLength = text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? 7
            : text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? 8
            : 0;
        if (schemeLength == 0)
        {
            error = Invalid($"'{Shorten(text)}' is not an absolute http:// or https:// URL");
            return false;
        }

        // The authority as written, before Uri normalises it: Uri rewrites some numeric hosts to dotted
        // quads and rejects others, so the refusals that matter are decided on the raw text first.
        var rest = text.AsSpan(schemeLength);
        var end = rest.IndexOfAny("/\\?#");
        var authority = end < 0 ? rest : rest[..end];

        if (authority.Contains('@'))
        {
            error = Denied("URLs with user information ('user@host') are refused; put credentials in a header instead");
            return false;
        }

        if (authority.Contains('%'))
        {
            error = Denied("percent-encoded host names are refused; write the host name in plain ASCII");
            return false;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = Invalid($"'{Shorten(text)}' is not an absolute http:// or https:// URL");
            return false;
        }

        if (uri.UserInfo.Length > 0)
        {
            error = Denied("URLs with user information ('user@host') are refused; put credentials in a header instead");
            return false;
        }

        if (!TrySplitHost(authority, out var rawHost))
        {
            error = Invalid($"'{Shorten(text)}' has no usable host");
            return false;
        }

        if (rawHost.ContainsAnyExceptInRange((char)0x21, (char)0x7e))
        {
            error = Denied("non-ASCII host names are refused (they can imitate other names); use the punycode 'xn--' form");
            return false;
        }

        var port = uri.Port;
        if (uri.HostNameType == UriHostNameType.IPv6)
        {
            return TryIPv6(uri, rawHost, port, out target, out error);
        }

        var host = rawHost.ToString().ToLowerInvariant();
        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        if (host.Length == 0 || host.StartsWith('.') || host.Contains("..", StringComparison.Ordinal))
        {
            error = Invalid($"'{Shorten(text)}' has an empty host name label");
            return false;
        }

        if (EndsInNumber(host))
        {
            if (!IsDottedQuad(host))
            {
                error = Denied($"the numeric host '{host}' is refused; only the dotted-quad form (for example 192.0.2.1) is accepted");
                return false;
            }

            var v4 = IPAddress.Parse(host);
            target = new EgressTarget(uri, v4.ToString(), port, v4);
            return CheckAgreement(uri, target, out error);
        }

        if (!IsHostName(host))
        {
            error = Invalid($"'{host}' is not a valid host name (letters, digits, '-', '_' and '.' only)");
            return false;
        }

        target = new EgressTarget(uri, host, port, null);
        return CheckAgreement(uri, target, out error);
    }

    private static bool TryIPv6(Uri uri, ReadOnlySpan<char> rawHost, int port, out EgressTarget? target, out EgressRefusal? error)
    {
        target = null;
        if (!IPAddress.TryParse(rawHost.Trim("[]"), out var address) || address.AddressFamily != AddressFamily.InterNetworkV6 || address.ScopeId != 0)
        {
            error = Denied("this IPv6 literal is refused; write it as [address] without a zone");
            return false;
        }

        var canonical = AddressClassifier.Canonical(address);
        target = new EgressTarget(uri, canonical.ToString(), port, canonical);
        error = null;
        return true;
    }

    private static bool CheckAgreement(Uri uri, EgressTarget target, out EgressRefusal? error)
    {
        var uriHost = uri.IdnHost.ToLowerInvariant();
        if (uriHost.EndsWith('.'))
        {
            uriHost = uriHost[..^1];
        }

        if (uriHost != target.Host)
        {
            error = Denied($"the URL's host is ambiguous ('{target.Host}' vs '{uriHost}'); write it plainly");
            return false;
        }

        error = null;
        return true;
    }

    private static bool TrySplitHost(ReadOnlySpan<char> authority, out ReadOnlySpan<char> host)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            host = close < 0 ? default : authority[..(close + 1)];
            return close > 1;
        }

        var colon = authority.LastIndexOf(':');
        host = colon < 0 ? authority : authority[..colon];
        return host.Length > 0;
    }

    // WHATWG URL: a host whose last label is a number is an IPv4 address in one of many spellings.
    private static bool EndsInNumber(string host)
    {
        var last = host[(host.LastIndexOf('.') + 1)..];
        if (last.Length == 0)
        {
            return false;
        }

        if (last.StartsWith("0x", StringComparison.Ordinal))
        {
            return !last.AsSpan(2).ContainsAnyExcept(HexDigits);
        }

        return !last.AsSpan().ContainsAnyExceptInRange('0', '9');
    }

    private static bool IsDottedQuad(string host)
    {
        var labels = host.Split('.');
        return labels.Length == 4 && labels.All(l =>
            l.Length is > 0 and <= 3
            && (l.Length == 1 || l[0] != '0')
            && !l.AsSpan().ContainsAnyExceptInRange('0', '9')
            && int.Parse(l, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool IsHostName(string host) =>
        host.Length <= 253 && !host.AsSpan().ContainsAnyExcept(HostNameChars);

    private static string Shorten(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "...");

    private static EgressRefusal Invalid(string message) => new(BrokerErrorCodes.InvalidParams, message);

    private static EgressRefusal Denied(string message) => new(BrokerErrorCodes.PermissionDenied, message);
}
