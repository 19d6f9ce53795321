using Stockade.Core.Audit;

namespace Stockade.Hosting.Tests.Audit;

public sealed class RedactorTests
{
    [Theory]
    [InlineData("password")]
    [InlineData("DB_PASSWORD")]
    [InlineData("clientSecret")]
    [InlineData("access_token")]
    [InlineData("apiKey")]
    [InlineData("Authorization")]
    [InlineData("session-cookie")]
    public void Redact_SecretLookingKey_ValueReplaced(string key)
    {
        var redacted = Redactor.Redact(new Dictionary<string, string> { [key] = "value-that-must-not-leak" });

        redacted[key].ShouldBe(Redactor.Placeholder);
    }

    [Theory]
    [InlineData("Authorization: Bearer abc.def-ghi", "abc.def-ghi")]
    [InlineData("basic dXNlcjpwYXNz", "dXNlcjpwYXNz")]
    [InlineData("url=https://bob:hunter2@example.com/x", "hunter2")]
    [InlineData("GET /api?token=t0k3n&page=1", "t0k3n")]
    [InlineData("password: \"p@ss w0rd\"", "p@ss")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMIIEtruncated", "MIIEtruncated")]
    public void RedactValue_SecretInsideText_SecretRemoved(string value, string secret)
    {
        var redacted = Redactor.RedactValue(value);

        redacted.ShouldNotContain(secret);
        redacted.ShouldContain(Redactor.Placeholder);
    }

    [Theory]
    [InlineData("GET https://api.example.com/v1/items?page=2")]
    [InlineData("/data/report.txt")]
    [InlineData("status 200 in 31 ms")]
    public void RedactValue_OrdinaryText_Unchanged(string value)
    {
        Redactor.RedactValue(value).ShouldBe(value);
    }
}
