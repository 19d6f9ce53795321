using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

/// <summary>
/// The red team's 17 names (12 passed under <c>env:read=*</c>) and the common spellings of secrets in
/// the wild, both ways: secrets are caught, ordinary variables of shells, desktops and tool chains pass.
/// </summary>
public sealed class SecretNamesTests
{
    private static readonly string[] SecretList =
    [
        // The red team's list.
        "MYSQL_PWD", "DB_PASS", "GITHUB_PAT", "GPG_PASSPHRASE", "SENTRY_DSN", "PGPASSWORD", "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN", "NPM_TOKEN", "SLACK_WEBHOOK_SECRET", "STRIPE_API_KEY", "DOCKER_AUTH_CONFIG", "GOOGLE_APPLICATION_CREDENTIALS",
        "SSH_AUTH_SOCK", "TLS_PRIVATE_KEY", "CLIENT_CERT", "SMTP_PASSWD",
        // An attacker's pass after the fixes.
        "DB_CREDS", "GIT_CREDS", "SLACK_WEBHOOK_URL", "DISCORD_WEBHOOK", "AUTH_BEARER",
        // Other common spellings.
        "OPENAI_APIKEY", "OPENAI_API_KEY", "apiKey", "githubToken", "dbPass", "REDIS_PASS", "RABBITMQ_DEFAULT_PASS", "LDAP_BIND_PW",
        "PWD", "OLDPWD", "KEY", "API_KEYS", "SECRET", "SECRETS_FILE", "JWT_SECRET", "JWT", "SESSION_COOKIE", "COOKIE_SECRET",
        "PASSWORD_SALT", "SALT", "SIGNING_KEY", "GPG_SIGNING_KEY", "CODE_SIGNING_CERT", "HMAC_KEY", "OAUTH_CLIENT_SECRET", "OAUTH",
        "VAULT_TOKEN", "GH_PAT", "AZURE_STORAGE_CONNECTION_STRING", "SQL_CONN_STR", "AZURE_STORAGE_ACCOUNT_KEY", "SSH_PRIVATE_KEY",
        "SSHKEY", "TWILIO_AUTH", "BASIC_AUTH_USER_PASS", "TOTP_SEED", "SIM_PIN", "KEYSTORE_FILE", "NETRC", "HEROKU_API_TOKEN",
        "DATABASE_CREDENTIALS", "MY_PRIVATE_THING", "sentryDsn", "MAIL_PASS2", "CERTS_DIR", "SESSION",
    ];

    private static readonly string[] OrdinaryList =
    [
        "PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "TERM", "SHELL", "USER", "LOGNAME", "TZ", "TMPDIR", "EDITOR", "PAGER",
        "KEYBOARD_LAYOUT", "XKB_DEFAULT_LAYOUT", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
        "LD_LIBRARY_PATH", "PYTHONPATH", "NODE_PATH", "GOPATH", "CLASSPATH", "MANPATH", "DOTNET_ROOT", "JAVA_HOME",
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "AUTHOR", "COMPAT_MODE", "PATTERN", "SPINNER_STYLE", "HOSTNAME", "MYAPP_COLOR",
        "HTTP_PROXY", "NO_PROXY", "CI", "BUILD_NUMBER", "PASSENGER_APP_ENV", "KEYBOARD", "COLUMNS", "PATHEXT", "DATABASE_URL",
        "API_URL", "PORT", "LOG_LEVEL", "",
    ];

    public static TheoryData<string> Secrets() => Data(SecretList);

    public static TheoryData<string> Ordinary() => Data(OrdinaryList);

    [Theory]
    [MemberData(nameof(Secrets))]
    public void LooksSecret_SecretSpelling_IsTrue(string name) => SecretNames.LooksSecret(name).ShouldBeTrue();

    [Theory]
    [MemberData(nameof(Ordinary))]
    public void LooksSecret_OrdinaryName_IsFalse(string name) => SecretNames.LooksSecret(name).ShouldBeFalse();

    [Fact]
    public void Lists_HaveAtLeastFortyNamesEachWay()
    {
        SecretList.Length.ShouldBeGreaterThanOrEqualTo(40);
        OrdinaryList.Length.ShouldBeGreaterThanOrEqualTo(40);
    }

    [Theory]
    [InlineData("postgres://app:hunter2@db.internal:5432/app")]
    [InlineData("mysql://root@localhost/db")]
    [InlineData("https://ghp_abc123@github.com/org/repo.git")]
    [InlineData("amqp://guest:guest@rabbit:5672/")]
    [InlineData("redis://:p4ss@cache:6379/0")]
    [InlineData("https://store.blob.core.windows.net/c?sv=2022&sig=abcdef")]
    [InlineData("https://api.example.com/v1?access_token=abc")]
    [InlineData("https://a.example, postgres://u:p@db/x")]
    public void ValueCarriesCredentials_UrlWithUserInfoOrSecretQuery_IsTrue(string value) =>
        SecretNames.ValueCarriesCredentials(value).ShouldBeTrue();

    [Theory]
    [InlineData("postgres://db.internal:5432/app")]
    [InlineData("https://api.example.com/v1?page=2&sort=name")]
    [InlineData("/usr/local/bin:/usr/bin")]
    [InlineData("user@example.com")]
    [InlineData("en_US.UTF-8")]
    [InlineData("")]
    [InlineData(null)]
    public void ValueCarriesCredentials_OrdinaryValue_IsFalse(string? value) =>
        SecretNames.ValueCarriesCredentials(value).ShouldBeFalse();

    [Theory]
    [InlineData("*", "DATABASE_URL", "postgres://app:hunter2@db/app", false)]
    [InlineData("*", "DATABASE_URL", "postgres://db/app", true)]
    [InlineData("DATABASE_URL", "DATABASE_URL", "postgres://app:hunter2@db/app", true)]
    [InlineData("*", "MYSQL_PWD", "hunter2", false)]
    [InlineData("MYSQL_PWD", "MYSQL_PWD", "hunter2", true)]
    [InlineData("*", "PWD", "/home/ada", false)]
    [InlineData("PWD", "PWD", "/home/ada", true)]
    [InlineData("*", "KEYBOARD_LAYOUT", "us", true)]
    [InlineData("*", "PATH", "/usr/bin", true)]
    public void EnvScope_Matches_NameAndValue(string scope, string name, string value, bool expected)
    {
        EnvScope.TryParse(scope, out var env, out var error).ShouldBeTrue(error);
        env!.Matches(name, value).ShouldBe(expected);
    }

    private static TheoryData<string> Data(string[] names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }
}
