namespace Stockade.Protocol;

/// <summary>The method names of the Stockade protocol (see docs/protocol.md).</summary>
internal static class ProtocolMethods
{
    /// <summary>Host → worker request: <see cref="InitializeParams"/> → <see cref="InitializeResult"/>. The worker is ready once it answers.</summary>
    public const string Initialize = "initialize";

    /// <summary>Host → worker request: <see cref="InvokeParams"/> → the method's result.</summary>
    public const string Invoke = "invoke";

    /// <summary>Host → worker request: <see cref="HookParams"/> → the hook's result.</summary>
    public const string Hook = "hook";

    /// <summary>Host → worker request without params → <c>null</c>; the worker then exits.</summary>
    public const string Shutdown = "shutdown";

    /// <summary>Either direction, notification <see cref="CancelParams"/>: the caller gave up on a request.</summary>
    public const string Cancel = "$/cancel";

    /// <summary>Worker → host notification: <see cref="LogParams"/>.</summary>
    public const string HostLog = "host.log";

    /// <summary>Worker → host request: <see cref="HttpRequestParams"/> → <see cref="HttpResponseResult"/>.</summary>
    public const string HostHttpRequest = "host.http.request";

    /// <summary>Worker → host request: <see cref="ServiceCallParams"/> → the service's result.</summary>
    public const string HostServiceCall = "host.service.call";

    /// <summary>Worker → host request: <see cref="ConfigGetParams"/> → <see cref="ValueResult"/>.</summary>
    public const string HostConfigGet = "host.config.get";

    /// <summary>Worker → host request: <see cref="ConfigSetParams"/> → <c>null</c>.</summary>
    public const string HostConfigSet = "host.config.set";

    /// <summary>Worker → host request: <see cref="KvKeyParams"/> → <see cref="KvValueResult"/>.</summary>
    public const string HostKvGet = "host.kv.get";

    /// <summary>Worker → host request: <see cref="KvSetParams"/> → <c>null</c>.</summary>
    public const string HostKvSet = "host.kv.set";

    /// <summary>Worker → host request: <see cref="KvKeyParams"/> → <see cref="KvDeleteResult"/>.</summary>
    public const string HostKvDelete = "host.kv.delete";

    /// <summary>Worker → host request: <see cref="KvListParams"/> → <see cref="KvListResult"/>.</summary>
    public const string HostKvList = "host.kv.list";

    /// <summary>Worker → host request: <see cref="PermissionRequestParams"/> → <see cref="PermissionRequestResult"/>.</summary>
    public const string HostPermissionRequest = "host.permission.request";

    /// <summary>Worker → host notification: <see cref="DenialParams"/>, the worker saw a kernel denial.</summary>
    public const string HostDenial = "host.denial";

    /// <summary>The SDK/protocol version a worker reports in <see cref="InitializeResult.SdkVersion"/>.</summary>
    public const string SdkVersion = "1.0";
}
