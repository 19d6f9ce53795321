using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// The red team's finding: under <c>env:read=*</c> 12 of 17 secret-looking variables reached the worker.
/// A real confined worker (samples/plugins/capabilities-csharp) granted <c>env:read=*</c> asks for each
/// name; secrets by name or by value are absent, ordinary variables are there, and an exact grant still
/// passes a secret.
/// </summary>
public sealed class SecretEnvironmentEndToEndTests : IAsyncLifetime
{
    private const string Id = "t.envsecrets";

    private static readonly Dictionary<string, string> HostEnvironment = new(StringComparer.Ordinal)
    {
        ["MYSQL_PWD"] = "hunter2", ["DB_PASS"] = "hunter2", ["DATABASE_URL"] = "postgres://app:hunter2@db/app",
        ["GITHUB_PAT"] = "ghp_x", ["GPG_PASSPHRASE"] = "x", ["SENTRY_DSN"] = "https://key@sentry.example/1",
        ["PGPASSWORD"] = "x", ["AWS_SECRET_ACCESS_KEY"] = "x", ["NPM_TOKEN"] = "x", ["REDIS_URL"] = "redis://:p4ss@cache:6379",
        ["PWD"] = "/root", ["SESSION_COOKIE"] = "x", ["SIGNING_KEY"] = "x", ["OPENAI_APIKEY"] = "x",
        ["LANG"] = "C.UTF-8", ["KEYBOARD_LAYOUT"] = "us", ["API_URL"] = "https://api.example.com/v1", ["GIT_AUTHOR_NAME"] = "Ada",
    };

    private readonly HostWorld _world = new();
    private PluginHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions { Home = _world.Home, Environment = HostEnvironment });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task Environment_AnyNameGrant_PassesOrdinaryVariablesAndNoSecret()
    {
        await LoadAsync(["env:read=*"]);

        foreach (var name in new[] { "LANG", "KEYBOARD_LAYOUT", "API_URL", "GIT_AUTHOR_NAME" })
        {
            (await EnvAsync(name)).ShouldBe(HostEnvironment[name], $"{name} should pass under env:read=*");
        }

        var leaked = new List<string>();
        foreach (var name in HostEnvironment.Keys.Except(["LANG", "KEYBOARD_LAYOUT", "API_URL", "GIT_AUTHOR_NAME"]))
        {
            if (await EnvAsync(name) is not null)
            {
                leaked.Add(name);
            }
        }

        leaked.ShouldBeEmpty();
    }

    [Fact]
    public async Task Environment_ExactGrant_StillPassesTheSecret()
    {
        await LoadAsync(["env:read=MYSQL_PWD", "env:read=DATABASE_URL"]);

        (await EnvAsync("MYSQL_PWD")).ShouldBe("hunter2");
        (await EnvAsync("DATABASE_URL")).ShouldBe("postgres://app:hunter2@db/app");
        (await EnvAsync("DB_PASS")).ShouldBeNull();
    }

    private async Task LoadAsync(string[] grants)
    {
        var list = string.Concat(grants.Select(p => $"\n    - permission: {p}\n      reason: tests"));
        var folder = _world.Plugin("capabilities-csharp", Id, $"""
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: {"{"} init: 30s, call: 10s, hook: 2s {"}"}
            permissions:
              required:{list}
            """);
        await _host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed", Grants = grants });
    }

    private async Task<string?> EnvAsync(string name)
    {
        var value = await _host.InvokeAsync(Id, "env", JsonSerializer.SerializeToElement(new { name }));
        return value.ValueKind == JsonValueKind.Null ? null : value.GetString();
    }
}
