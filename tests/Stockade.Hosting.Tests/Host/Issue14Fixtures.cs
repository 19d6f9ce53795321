using Stockade.Hosting.Tests.Broker.Http;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 14's hostile plugins (C# and Python) and a benign one, loaded at one level in a host whose
/// workers run as root or as nobody. The hostile ones are granted what a careless operator grants —
/// <c>network:request=*</c>, <c>env:read=*</c> — and the host's environment holds secret-looking names.
/// </summary>
public abstract class Issue14Fixture(int? workerUid, string level) : HostFixture(workerUid)
{
    public const string Hostile = "t.hostile14";
    public const string HostilePython = "t.hostile14-python";
    public const string Benign = "t.benign14";

    /// <summary>A variable every plugin granted <c>env:read=*</c> must see (proves the sweep can fail).</summary>
    public const string PlainName = "STOCKADE_TEST_PLAIN";

    /// <summary>Secret-looking names in the host's environment, none granted by exact name: none may reach a worker.</summary>
    public static readonly IReadOnlyDictionary<string, string> Secrets = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MYSQL_PWD"] = "hunter2",
        ["DB_PASS"] = "hunter2",
        ["DB_PASSWD"] = "hunter2",
        ["PGPASSWORD"] = "hunter2",
        ["SMTP_PASS"] = "hunter2",
        ["DATABASE_URL"] = "postgres://u:p@h/db",
        ["REDIS_URL"] = "redis://:hunter2@h:6379/0",
        ["MONGO_URI"] = "mongodb://u:p@h/db",
        ["AMQP_URL"] = "amqp://u:p@h/vhost",
        ["GITHUB_PAT"] = "ghp_0123456789abcdef",
        ["GPG_PASSPHRASE"] = "hunter2",
        ["SENTRY_DSN"] = "https://key@o0.ingest.sentry.io/0",
        ["AWS_SECRET_ACCESS_KEY"] = "hunter2",
        ["NPM_TOKEN"] = "npm_0123456789",
        ["OPENAI_API_KEY"] = "sk-0123456789",
        ["VAULT_TOKEN"] = "s.0123456789",
        ["DOCKER_AUTH_CONFIG"] = "{\"auths\":{}}",
        ["HTPASSWD"] = "u:$apr1$hunter2",
        ["SSH_AUTH_SOCK"] = "/tmp/ssh-agent.sock",
        ["CI_JOB_JWT"] = "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        [SecretName] = "hunter2",
    };

    private readonly LoopbackHttpServer _server = new(_ => ServerResponse.Text(200, "served"));

    public string Level { get; } = level;

    /// <summary>Port of an HTTP server on 127.0.0.1 that no wildcard grant may reach; the benign plugin is granted it by exact address.</summary>
    public int ServerPort => _server.Port;

    /// <summary>Requests that reached the server.</summary>
    public int ServerRequests => _server.Requests.Count;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        const string grants = """
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: tests
                - permission: network:request=*
                  reason: the careless wildcard of issue 14
                - permission: env:read=*
                  reason: the careless wildcard of issue 14
            """;
        var hostile = World.Plugin("hostile-csharp", Hostile, $"""
            runtime: dotnet
            entry: bin/HostilePlugin.dll
            entryType: Samples.Hostile.HostilePlugin
            timeouts: {"{"} init: 30s, call: 120s, hook: 5s {"}"}
            permissions:
            {grants}
            resources: {"{"} memoryMb: 256, openFiles: 128 {"}"}
            """);
        var python = World.Plugin("hostile-python", HostilePython, $"""
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {"{"} init: 30s, call: 120s, hook: 5s {"}"}
            permissions:
            {grants}
            resources: {"{"} memoryMb: 128, openFiles: 64 {"}"}
            """);
        var benign = World.Misbehave(Benign, permissions: $"""
                - permission: network:request=127.0.0.1:{ServerPort}
                  reason: a brokered call that must keep working
            """);
        string[] granted = ["file:write=$PLUGIN_DATA/**", "network:request=*", "env:read=*"];
        foreach (var folder in new[] { hostile, python, benign })
        {
            StrictSigning.ForLevel(Host, folder, Level);
        }

        await Host.LoadAsync(hostile, new PluginLoadOptions { Level = Level, Grants = granted });
        await Host.LoadAsync(python, new PluginLoadOptions { Level = Level, Grants = granted });
        await Host.LoadAsync(benign, new PluginLoadOptions { Level = Level, Grants = ["file:write=$PLUGIN_DATA/**", $"network:request=127.0.0.1:{ServerPort}"] });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _server.DisposeAsync();
    }

    protected override void Configure(PluginHostOptions options)
    {
        options.Environment ??= new Dictionary<string, string>(StringComparer.Ordinal);
        options.Environment[PlainName] = "plain";
        foreach (var (name, value) in Secrets)
        {
            options.Environment[name] = value;
        }
    }
}

/// <summary>Root host, workers as root (today) or as the host's own choice of uid, at sandboxed.</summary>
public sealed class Issue14RootSandboxedFixture() : Issue14Fixture(null, "sandboxed");

/// <summary>Workers as nobody (65534), at sandboxed.</summary>
public sealed class Issue14NobodySandboxedFixture() : Issue14Fixture(65534, "sandboxed");

/// <summary>Root host at strict.</summary>
public sealed class Issue14RootStrictFixture() : Issue14Fixture(null, "strict");

/// <summary>Workers as nobody (65534), at strict.</summary>
public sealed class Issue14NobodyStrictFixture() : Issue14Fixture(65534, "strict");
