using Stockade.Cli.Infrastructure;

// Composition only: the commands live in Commands/, one file each.
// The CLI hosts plugins: its own .NET diagnostics endpoint must not be reachable. The runtime takes the switch from the
// environment only (no runtimeconfig knob works), so unless DOTNET_EnableDiagnostics=0 was set, the socket is unnamed here.
Stockade.Hosting.HostDiagnosticsEndpoint.RemoveOwnSocket();
return await CliApplication.RunAsync(args, CliConsole.CreateDefault()).ConfigureAwait(false);
