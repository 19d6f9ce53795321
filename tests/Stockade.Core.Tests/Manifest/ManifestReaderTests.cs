using NuGet.Versioning;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Manifest;

public class ManifestReaderTests
{
    private const string Base = "id: com.example.sample\nname: Sample\nversion: 1.0.0\nruntime: dotnet\nentry: Sample.dll\n";

    private const string Full = """
        id: com.example.clipboard
        name: Clipboard History
        version: 1.2.0-beta.1
        description: Keeps what you copied.
        publisher: Example Ltd
        runtime: dotnet
        entry: bin/Clipboard.dll
        entryType: Example.Clipboard.Plugin
        category: productivity
        timeouts:
          init: 10s
          call: 1.5
          hook: 500ms
        permissions:
          required:
            - file:read=$PLUGIN_DATA/**
            - permission: network:request=*.example.com:443
              reason: sync history
          optional:
            - env:read=LANG
        resources:
          memoryMb: 256
          cpuPercent: 50
          cpuTimeSeconds: 600
          openFiles: 128
          threads: 32
          diskMb: 100
          maxFileMb: 20
          processes: 2
        rateLimits:
          "network:request": 10/s
          "database:*": 100/min
          "host:*": 5/30s
        provides:
          - clipboard.history@1.2.0
          - api: clipboard.search
            version: 0.1.0
        requires:
          - id: com.example.base
            range: ">=1.0 <2.0"
          - com.example.ui@[2.0,3.0)
        conflicts:
          - com.example.oldclip
        exclusive: [clipboard]
        hooks: [clip.changed]
        prewarm: 1
        """;

    [Fact]
    public void Parse_FullYaml_BindsEveryField()
    {
        var result = ManifestReader.Parse(Full, "plugin.yaml", ManifestFormat.Yaml);

        result.Diagnostics.ShouldBeEmpty();
        result.IsValid.ShouldBeTrue();
        var m = result.Manifest.ShouldNotBeNull();
        m.Id.ShouldBe("com.example.clipboard");
        m.Version.ShouldBe("1.2.0-beta.1");
        m.Runtime.ShouldBe(PluginRuntime.Dotnet);
        m.Entry.ShouldBe("bin/Clipboard.dll");
        m.EntryType.ShouldBe("Example.Clipboard.Plugin");
        m.Timeouts.ShouldBe(new PluginTimeouts(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(500)));
        m.Permissions.Required.Select(p => p.Permission.ToString()).ShouldBe(["file:read=$PLUGIN_DATA/**", "network:request=*.example.com:443"]);
        m.Permissions.Required[1].Reason.ShouldBe("sync history");
        m.Permissions.Optional.Single().Permission.ShouldBe(Permission.Parse("env:read=LANG"));
        m.Resources.ShouldBe(new ResourceLimits { MemoryMb = 256, CpuPercent = 50, CpuTimeSeconds = 600, OpenFiles = 128, Threads = 32, DiskMb = 100, MaxFileMb = 20, Processes = 2 });
        m.RateLimits.ShouldBe([
            new RateLimitRule("network:request", 10, TimeSpan.FromSeconds(1)),
            new RateLimitRule("database:*", 100, TimeSpan.FromMinutes(1)),
            new RateLimitRule("host:*", 5, TimeSpan.FromSeconds(30)),
        ]);
        m.Provides.ShouldBe([new ProvidedApi("clipboard.history", SemanticVersion.Parse("1.2.0")), new ProvidedApi("clipboard.search", SemanticVersion.Parse("0.1.0"))]);
        m.Requires[0].Id.ShouldBe("com.example.base");
        m.Requires[0].Range.Satisfies(NuGetVersion.Parse("1.9.0")).ShouldBeTrue();
        m.Requires[0].Range.Satisfies(NuGetVersion.Parse("2.0.0")).ShouldBeFalse();
        m.Requires[1].Range.Satisfies(NuGetVersion.Parse("2.5.0")).ShouldBeTrue();
        m.Conflicts.Single().ShouldBe(new PluginConflict("com.example.oldclip", null));
        m.Exclusive.ShouldBe(["clipboard"]);
        m.Hooks.ShouldBe(["clip.changed"]);
        m.Prewarm.ShouldBe(1);
    }

    [Fact]
    public void Parse_MinimalYaml_UsesDesignDefaults()
    {
        var m = ManifestReader.Parse(Base, "plugin.yaml", ManifestFormat.Yaml).Manifest.ShouldNotBeNull();

        m.Timeouts.ShouldBe(PluginTimeouts.Default);
        m.Resources.ShouldBe(new ResourceLimits { MemoryMb = 512, CpuPercent = 80, CpuTimeSeconds = null, OpenFiles = 256, Threads = 64, DiskMb = 512, MaxFileMb = 100, Processes = 1 });
        m.Permissions.All.ShouldBeEmpty();
        m.Prewarm.ShouldBe(0);
    }

    [Fact]
    public void Parse_Json_BindsLikeYaml()
    {
        const string json = """
            {
              "id": "com.example.sample",
              "name": "Sample",
              "version": "1.0.0",
              "runtime": "process",
              "entry": "main.py",
              "interpreter": "/usr/bin/python3",
              "timeouts": { "call": 60 },
              "permissions": { "required": ["env:read=LANG", { "permission": "hook:register=clip.*", "reason": "listen" }] }
            }
            """;

        var result = ManifestReader.Parse(json, "plugin.json", ManifestFormat.Json);

        result.Diagnostics.ShouldBeEmpty();
        var m = result.Manifest.ShouldNotBeNull();
        m.Runtime.ShouldBe(PluginRuntime.Process);
        m.Interpreter.ShouldBe("/usr/bin/python3");
        m.Timeouts.Call.ShouldBe(TimeSpan.FromSeconds(60));
        m.Permissions.Required.Count.ShouldBe(2);
    }

    [Fact]
    public void Parse_JsonSyntaxError_ReportsLineAndColumn()
    {
        const string json = "{\n  \"id\": \"com.example.sample\",\n  \"name\": 'Sample'\n}";

        var d = ManifestReader.Parse(json, "plugin.json", ManifestFormat.Json).Diagnostics.Single();

        d.Code.ShouldBe(ManifestDiagnosticCodes.Syntax);
        (d.Line, d.Column).ShouldBe((3, 11));
    }

    [Fact]
    public void Parse_JsonDuplicateKey_Reported()
    {
        const string json = "{\"id\": \"a.b\", \"id\": \"c.d\"}";

        var d = ManifestReader.Parse(json, "plugin.json", ManifestFormat.Json).Diagnostics.First(x => x.Code == ManifestDiagnosticCodes.DuplicateKey);

        (d.Line, d.Column).ShouldBe((1, 15));
    }

    [Theory]
    [InlineData("", ManifestDiagnosticCodes.Syntax, 1, 1)]
    [InlineData("- a\n- b\n", ManifestDiagnosticCodes.WrongType, 1, 1)]
    [InlineData(Base + "---\n" + Base, ManifestDiagnosticCodes.Syntax, 6, 1)]
    [InlineData(Base + "nmae: x\n", ManifestDiagnosticCodes.UnknownKey, 6, 1)]
    [InlineData("id: ab\nname: n\nversion: 1.0.0\nruntime: dotnet\n", ManifestDiagnosticCodes.MissingKey, 1, 1)]
    [InlineData("id: a\nname: n\nversion: 1.0.0\nruntime: dotnet\nentry: a.dll\n", ManifestDiagnosticCodes.BadId, 1, 5)]
    [InlineData("id: ab\nname: \"\"\nversion: 1.0.0\nruntime: dotnet\nentry: a.dll\n", ManifestDiagnosticCodes.BadValue, 2, 7)]
    [InlineData("id: ab\nname: n\nversion: v1\nruntime: dotnet\nentry: a.dll\n", ManifestDiagnosticCodes.BadVersion, 3, 10)]
    [InlineData("id: ab\nname: n\nversion: 1.0.0\nruntime: java\nentry: a.dll\n", ManifestDiagnosticCodes.UnknownRuntime, 4, 10)]
    [InlineData("id: ab\nname: n\nversion: 1.0.0\nruntime: dotnet\nentry: /abs/a.dll\n", ManifestDiagnosticCodes.BadEntry, 5, 8)]
    [InlineData("id: ab\nname: n\nversion: 1.0.0\nruntime: dotnet\nentry: run.sh\n", ManifestDiagnosticCodes.BadEntry, 5, 8)]
    [InlineData(Base + "timeouts:\n  hook: 0s\n", ManifestDiagnosticCodes.BadDuration, 7, 9)]
    [InlineData(Base + "timeouts:\n  call: 48h\n", ManifestDiagnosticCodes.BadDuration, 7, 9)]
    [InlineData(Base + "timeouts: 5s\n", ManifestDiagnosticCodes.WrongType, 6, 11)]
    [InlineData(Base + "permissions:\n  required:\n    - file:raed=/x\n", ManifestDiagnosticCodes.UnknownPermission, 8, 7)]
    [InlineData(Base + "permissions:\n  required: file:read=/x\n", ManifestDiagnosticCodes.WrongType, 7, 13)]
    [InlineData(Base + "permissions:\n  required:\n    - file:read=data/**\n", ManifestDiagnosticCodes.BadScope, 8, 7)]
    [InlineData(Base + "permissions:\n  required:\n    - reason: x\n", ManifestDiagnosticCodes.MissingKey, 8, 7)]
    [InlineData(Base + "permissions:\n  required:\n    - permission: env:read=A\n      reasn: x\n", ManifestDiagnosticCodes.UnknownKey, 9, 7)]
    [InlineData(Base + "resources:\n  openFiles: 16\n", ManifestDiagnosticCodes.ResourceBelowFloor, 7, 14)]
    [InlineData(Base + "resources:\n  memoryMb: 1000000\n", ManifestDiagnosticCodes.ResourceAboveMaximum, 7, 13)]
    [InlineData(Base + "resources:\n  memoryMb: lots\n", ManifestDiagnosticCodes.WrongType, 7, 13)]
    [InlineData(Base + "rateLimits:\n  \"netwrk:request\": 10/s\n", ManifestDiagnosticCodes.BadRateLimit, 7, 3)]
    [InlineData(Base + "rateLimits:\n  \"network:request\": 0/s\n", ManifestDiagnosticCodes.BadRateLimit, 7, 22)]
    [InlineData(Base + "requires:\n  - com.example.base@>=x\n", ManifestDiagnosticCodes.BadVersionRange, 7, 5)]
    [InlineData(Base + "requires:\n  - Bad Id\n", ManifestDiagnosticCodes.BadId, 7, 5)]
    [InlineData(Base + "provides:\n  - clipboard.history\n", ManifestDiagnosticCodes.BadValue, 7, 5)]
    [InlineData(Base + "provides:\n  - clipboard.history@1\n", ManifestDiagnosticCodes.BadVersion, 7, 5)]
    [InlineData(Base + "prewarm: 9\n", ManifestDiagnosticCodes.BadValue, 6, 10)]
    [InlineData(Base + "hooks:\n  - \"bad hook\"\n", ManifestDiagnosticCodes.BadValue, 7, 5)]
    [InlineData(Base + "description: \"bell\\a\"\n", ManifestDiagnosticCodes.BadValue, 6, 14)]
    [InlineData("id: ab\nname: n\nversion: 1.0.0\nruntime: process\nentry: a.py\ninterpreter: ../python\n", ManifestDiagnosticCodes.BadInterpreter, 6, 14)]
    public void Parse_BrokenInput_ReportsCodeAtPosition(string yaml, string code, int line, int column)
    {
        var result = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);

        result.IsValid.ShouldBeFalse();
        result.Manifest.ShouldBeNull();
        var d = result.Diagnostics.FirstOrDefault(x => x.Code == code).ShouldNotBeNull(string.Join("\n", result.Diagnostics));
        d.Severity.ShouldBe(DiagnosticSeverity.Error);
        (d.Line, d.Column).ShouldBe((line, column), d.ToString());
    }

    [Theory]
    [InlineData(Base + "permissions:\n  required:\n    - network:request=*\n", ManifestDiagnosticCodes.BroadPermission, 8, 7)]
    [InlineData(Base + "permissions:\n  required:\n    - env:read=A\n    - env:read=A\n", ManifestDiagnosticCodes.DuplicatePermission, 9, 7)]
    [InlineData(Base + "interpreter: /usr/bin/python3\n", ManifestDiagnosticCodes.IgnoredForRuntime, 6, 1)]
    public void Parse_Questionable_WarnsButStaysValid(string yaml, string code, int line, int column)
    {
        var result = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);

        result.IsValid.ShouldBeTrue();
        var d = result.Diagnostics.Single();
        (d.Code, d.Severity, d.Line, d.Column).ShouldBe((code, DiagnosticSeverity.Warning, line, column));
    }

    [Fact]
    public void Parse_ScopeLongerThanPathMax_ReportsBadScope()
    {
        var yaml = Base + "permissions:\n  required:\n    - file:read=/" + new string('a', 5000) + "\n";

        var d = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml).Diagnostics.Single();

        (d.Code, d.Line, d.Column).ShouldBe((ManifestDiagnosticCodes.BadScope, 8, 7));
        d.Message.ShouldContain("at most 4096");
    }

    [Fact]
    public void Parse_SchemaKey_IsAccepted()
    {
        ManifestReader.Parse("$schema: ./plugin.schema.json\n" + Base, "plugin.yaml", ManifestFormat.Yaml).Diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public void Parse_UnknownCategory_MessageSuggestsAndFormatsLikeCompiler()
    {
        var yaml = Base + "permissions:\n  required:\n    - fiel:read=$PLUGIN_DATA/**\n";

        var d = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml).Diagnostics.Single();

        d.ToString().ShouldBe("plugin.yaml:8:7: error STKM004: unknown permission category 'fiel' in 'fiel:read=$PLUGIN_DATA/**'. Did you mean 'file'?");
        d.Path.ShouldBe("permissions.required[0]");
        d.Hint.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void Parse_HostCatalog_AcceptsHostCategory()
    {
        var catalog = PermissionCatalog.Default.WithCategory(new PermissionCategory("clipboard", ["read"]));
        var yaml = Base + "permissions:\n  optional:\n    - clipboard:read\n";

        ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml, catalog).IsValid.ShouldBeTrue();
        ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml).IsValid.ShouldBeFalse();
    }

    [Fact]
    public void Parse_ManyProblems_ReportsAllInDocumentOrder()
    {
        const string yaml = "id: A\nname: n\nversion: x\nruntime: dotnet\nentry: a.dll\nprewarm: 99\n";

        var codes = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml).Diagnostics.Select(d => d.Code);

        codes.ShouldBe([ManifestDiagnosticCodes.BadId, ManifestDiagnosticCodes.BadVersion, ManifestDiagnosticCodes.BadValue]);
    }

    [Fact]
    public void Parse_DeepNesting_ReportedNotThrown()
    {
        var yaml = Base + "description: " + new string('[', 500) + new string(']', 500) + "\n";

        var result = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);

        result.Diagnostics.ShouldContain(d => d.Code == ManifestDiagnosticCodes.Syntax);
    }

    [Fact]
    public void ReadDirectory_BothFiles_ReportsAndReadsYaml()
    {
        var dir = Directory.CreateTempSubdirectory("stockade-core-test-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "plugin.yaml"), Base);
            File.WriteAllText(Path.Combine(dir.FullName, "plugin.json"), "{}");

            var result = ManifestReader.ReadDirectory(dir.FullName);

            result.IsValid.ShouldBeFalse();
            var d = result.Diagnostics.Single();
            d.Code.ShouldBe(ManifestDiagnosticCodes.File);
            d.Message.ShouldContain("both plugin.yaml and plugin.json");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadDirectory_Missing_ReportsWhatToDo()
    {
        var result = ManifestReader.ReadDirectory("/nonexistent/stockade/plugin");

        var d = result.Diagnostics.Single();
        (d.Code, d.Line, d.Column).ShouldBe((ManifestDiagnosticCodes.File, 1, 1));
        d.Hint.ShouldNotBeNull().ShouldContain("stockade init");
    }
}
