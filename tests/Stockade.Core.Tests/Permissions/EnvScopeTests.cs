using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

public class EnvScopeTests
{
    [Theory]
    [InlineData("DB_PASSWORD")]
    [InlineData("github_token")]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    [InlineData("SSH_AUTH_SOCK")]
    [InlineData("MY_PRIVATE_THING")]
    [InlineData("SSL_CERT_FILE")]
    [InlineData("ApiKey")]
    [InlineData("GIT_CREDENTIALS")]
    public void LooksSecret_SecretLikeName_IsTrue(string name) => SecretNames.LooksSecret(name).ShouldBeTrue();

    [Theory]
    [InlineData("LANG")]
    [InlineData("HOME")]
    [InlineData("MYAPP_COLOR")]
    [InlineData("")]
    public void LooksSecret_OrdinaryName_IsFalse(string name) => SecretNames.LooksSecret(name).ShouldBeFalse();

    [Theory]
    [InlineData("MYAPP_*", "MYAPP_COLOR", true)]
    [InlineData("MYAPP_*", "MYAPP_API_KEY", false)]
    [InlineData("*", "DB_PASSWORD", false)]
    [InlineData("*", "LANG", true)]
    [InlineData("DB_PASSWORD", "DB_PASSWORD", true)]
    [InlineData("LANG", "LANGUAGE", false)]
    public void Matches_Name_NeverLeaksSecretsThroughPrefix(string scope, string name, bool expected)
    {
        EnvScope.TryParse(scope, out var env, out var error).ShouldBeTrue(error);
        env!.Matches(name).ShouldBe(expected);
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A*B")]
    [InlineData("")]
    public void TryParse_BadName_Refuses(string text) => EnvScope.TryParse(text, out _, out _).ShouldBeFalse();
}
