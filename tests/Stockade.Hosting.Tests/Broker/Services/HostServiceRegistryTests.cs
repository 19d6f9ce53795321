using System.Text.Json;
using Stockade.Hosting.Broker.Services;

namespace Stockade.Hosting.Tests.Broker.Services;

public sealed class HostServiceRegistryTests : IDisposable
{
    private readonly HostServiceRegistry _registry = new();
    private readonly ClipboardService _clipboard = new();

    public HostServiceRegistryTests()
    {
        _registry.Register("clipboard", _clipboard);
    }

    public void Dispose() => _registry.Dispose();

    private static Func<string, bool> Granted(params string[] permissions) => permissions.Contains;

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>
    /// The registry's three parts in the broker pipeline's order (resolve, the permission, the method's own limit, then
    /// invoke), so these tests keep checking each part; the order itself is tested in Issue15PipelineTests.
    /// </summary>
    private async Task<ServiceCallResult> CallAsync(string pluginId, string service, string method, JsonElement? args, Func<string, bool> isGranted, CancellationToken ct)
    {
        if (!_registry.TryResolve(service, method, out var target, out var error))
        {
            return ServiceCallResult.Failure("not_found", error!);
        }

        if (!isGranted(target.Permission))
        {
            return ServiceCallResult.Failure("permission_denied", $"calling '{service}.{method}' needs the permission '{target.Permission}'", target.Permission);
        }

        var limit = _registry.TryAcquire(pluginId, target);
        if (!limit.IsAllowed)
        {
            return ServiceCallResult.Failure("rate_limited", "rate limited", target.Permission, limit.RetryAfter);
        }

        return await _registry.InvokeAsync(pluginId, target, args, ct);
    }

    [Fact]
    public async Task CallAsync_PermissionGranted_ReturnsTheSerialisedResult()
    {
        _clipboard.Text = "copied";

        var result = await CallAsync("p", "clipboard", "getText", null, Granted("clipboard:read"), default);

        result.IsSuccess.ShouldBeTrue(result.Message);
        result.Value.GetString().ShouldBe("copied");
        result.Permission.ShouldBe("clipboard:read");
    }

    [Fact]
    public async Task CallAsync_PermissionNotGranted_IsDeniedNamingThePermission()
    {
        var result = await CallAsync("p", "clipboard", "getText", null, Granted("clipboard:write"), default);

        result.Code.ShouldBe("permission_denied");
        result.Permission.ShouldBe("clipboard:read");
        _clipboard.Reads.ShouldBe(0);
    }

    [Theory]
    [InlineData("clear")]
    [InlineData("Clear")]
    [InlineData("toString")]
    [InlineData("nope")]
    public async Task CallAsync_MethodWithoutRequiresPermission_IsNotExposed(string method)
    {
        var result = await CallAsync("p", "clipboard", method, null, _ => true, default);

        result.Code.ShouldBe("not_found");
        _clipboard.Cleared.ShouldBeFalse();
    }

    [Fact]
    public async Task CallAsync_UnknownService_IsNotFoundListingTheServices()
    {
        var result = await CallAsync("p", "camera", "snap", null, _ => true, default);

        result.Code.ShouldBe("not_found");
        result.Message!.ShouldContain("clipboard");
    }

    [Fact]
    public async Task CallAsync_ArgumentsBind_FromCamelCaseJson()
    {
        var result = await CallAsync("p", "clipboard", "set", Json("""{"text":"hi","append":true}"""), Granted("clipboard:write"), default);

        result.IsSuccess.ShouldBeTrue(result.Message);
        result.Value.ValueKind.ShouldBe(JsonValueKind.Null);
        _clipboard.Text.ShouldBe("hi(appended)");
    }

    [Theory]
    [InlineData("""{"text":5}""")]
    [InlineData("\"just a string\"")]
    [InlineData(null)]
    public async Task CallAsync_ArgumentsThatDoNotBind_AreInvalidParams(string? json)
    {
        var args = json is null ? (JsonElement?)null : Json(json);

        var result = await CallAsync("p", "clipboard", "set", args, Granted("clipboard:write"), default);

        result.Code.ShouldBe("invalid_params");
        result.Message.ShouldNotBeNullOrWhiteSpace();
        _clipboard.Text.ShouldBe(string.Empty);
    }

    [Fact]
    public async Task CallAsync_ArgumentsForAMethodWithoutParameters_AreInvalidParams()
    {
        var result = await CallAsync("p", "clipboard", "getText", Json("[1]"), Granted("clipboard:read"), default);

        result.Code.ShouldBe("invalid_params");
    }

    [Fact]
    public async Task CallAsync_ServiceThrows_IsInternalWithMessageOnly()
    {
        var result = await CallAsync("p", "clipboard", "paste", null, Granted("clipboard:read"), default);

        result.Code.ShouldBe("internal");
        result.Message.ShouldBe("'clipboard.paste' failed: clipboard is locked");
        result.Message!.ShouldNotContain(" at ");
        result.Message!.ShouldNotContain(nameof(ClipboardService));
        result.Exception.ShouldBeOfType<InvalidOperationException>().StackTrace.ShouldNotBeNull();
    }

    [Fact]
    public async Task CallAsync_AsyncMethods_AreAwaited()
    {
        var task = await CallAsync("p", "clipboard", "history", Json("2"), Granted("clipboard:read"), default);
        var valueTask = await CallAsync("p", "clipboard", "length", null, Granted("clipboard:read"), default);
        var plainTask = await CallAsync("p", "clipboard", "touch", null, Granted("clipboard:write"), default);

        task.Value.EnumerateArray().Select(e => e.GetString()).ShouldBe(["first", "second"]);
        valueTask.Value.GetInt32().ShouldBe(0);
        plainTask.IsSuccess.ShouldBeTrue(plainTask.Message);
        _clipboard.Touched.ShouldBeTrue();
    }

    [Fact]
    public async Task CallAsync_ContextParameter_ReceivesTheCallingPlugin()
    {
        var result = await CallAsync("com.example.notes", "clipboard", "whoAmI", null, Granted("clipboard:read"), default);

        result.Value.GetString().ShouldBe("com.example.notes via clipboard.whoAmI");
    }

    [Fact]
    public async Task CallAsync_OverRateLimit_IsRateLimitedWithRetryAfter()
    {
        var first = await CallAsync("p", "clipboard", "getText", null, Granted("clipboard:read"), default);
        var second = await CallAsync("p", "clipboard", "getText", null, Granted("clipboard:read"), default);
        var otherPlugin = await CallAsync("q", "clipboard", "getText", null, Granted("clipboard:read"), default);

        first.IsSuccess.ShouldBeTrue();
        second.Code.ShouldBe("rate_limited");
        second.RetryAfter!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        otherPlugin.IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task CallAsync_AuditedFalse_IsReportedOnSuccess()
    {
        var quiet = await CallAsync("p", "clipboard", "length", null, Granted("clipboard:read"), default);
        var loud = await CallAsync("p", "clipboard", "set", Json("""{"text":"x"}"""), Granted("clipboard:write"), default);

        quiet.Audited.ShouldBeFalse();
        loud.Audited.ShouldBeTrue();
    }

    [Fact]
    public void DeclaredPermissions_ListsEveryRequiredPermissionOnce()
    {
        _registry.Register("notify", new NotificationService());

        _registry.DeclaredPermissions.ShouldBe(["clipboard:read", "clipboard:write", "notifications:send"]);
        _registry.ServiceNames.ShouldBe(["clipboard", "notify"], ignoreOrder: true);
    }

    [Fact]
    public void Register_NamedMethodWithoutPermission_ThrowsSayingWhatToAdd()
    {
        var ex = Should.Throw<InvalidOperationException>(() => _registry.Register("bad", new NamedButUnprotected()));

        ex.Message!.ShouldContain("[RequiresPermission]");
    }

    [Fact]
    public void Register_SameNameTwice_Throws() =>
        Should.Throw<InvalidOperationException>(() => _registry.Register("clipboard", new NotificationService()));

    [Fact]
    public void Register_BadRateLimitPeriod_Throws() =>
        Should.Throw<InvalidOperationException>(() => _registry.Register("limits", new BadRateLimit())).Message!.ShouldContain("\"1s\"");

    public sealed record SetArgs(string Text, bool Append = false);

    public sealed class ClipboardService
    {
        public string Text { get; set; } = string.Empty;

        public int Reads { get; private set; }

        public bool Cleared { get; private set; }

        public bool Touched { get; private set; }

        [RequiresPermission("clipboard:read")]
        [RateLimit(1, "1m")]
        public string GetText()
        {
            Reads++;
            return Text;
        }

        [RequiresPermission("clipboard:write")]
        [HostServiceMethod("set")]
        public void SetText(SetArgs args) => Text = args.Append ? args.Text + "(appended)" : args.Text;

        [RequiresPermission("clipboard:read")]
        public string Paste() => throw new InvalidOperationException("clipboard is locked");

        [RequiresPermission("clipboard:read")]
        public async Task<string[]> History(int count, CancellationToken cancellationToken)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            return new[] { "first", "second", "third" }.Take(count).ToArray();
        }

        [RequiresPermission("clipboard:read")]
        [Audited(false)]
        public ValueTask<int> Length() => ValueTask.FromResult(Text.Length);

        [RequiresPermission("clipboard:write")]
        public async Task Touch()
        {
            await Task.Yield();
            Touched = true;
        }

        [RequiresPermission("clipboard:read")]
        public string WhoAmI(HostServiceCallContext context) => $"{context.PluginId} via {context.Service}.{context.Method}";

        public void Clear() => Cleared = true;
    }

    public sealed class NotificationService
    {
        [RequiresPermission("notifications:send")]
        public bool Send(string message) => message.Length > 0;
    }

    public sealed class NamedButUnprotected
    {
        [HostServiceMethod("wipe")]
        public void Wipe()
        {
        }
    }

    public sealed class BadRateLimit
    {
        [RequiresPermission("x:y")]
        [RateLimit(5, "soon")]
        public void Go()
        {
        }
    }
}
