using Stockade.Linux.Launch;
using Stockade.Plugin.Serving;
using Stockade.Worker;

// Composition only; the order is the contract: confine first, then protect the protocol stream, then load plugin code.
StartupTrace.Mark("worker-main");
var arguments = WorkerArguments.Parse(args);
if (arguments.Error is not null)
{
    await Console.Error.WriteLineAsync($"stockade-worker: {arguments.Error}{Environment.NewLine}{WorkerArguments.Usage}");
    return WorkerExitCodes.Usage;
}

if (arguments.Seccomp)
{
    Stage2Confinement.Apply(arguments.AllowExec);
}

// Take the real stdout for the protocol before any plugin code runs, then point Console at stderr and an empty stdin,
// so a plugin's Console.WriteLine or Console.ReadLine cannot corrupt or steal protocol frames.
var protocolInput = ProtocolStreams.OpenInput() ?? Console.OpenStandardInput();
var protocolOutput = ProtocolStreams.Open(1, System.IO.Pipes.PipeDirection.Out) ?? Console.OpenStandardOutput();
ProtocolStreams.RedirectConsole();

var loaded = PluginLoader.Load(arguments);
if (loaded.Error is not null)
{
    await Console.Error.WriteLineAsync($"stockade-worker: {loaded.Error}");
    return WorkerExitCodes.BadPlugin;
}

StartupTrace.Mark("plugin-loaded");
if (StartupTrace.Enabled)
{
    protocolInput = new TracedStream(protocolInput, "first-frame-read");
    protocolOutput = new TracedStream(protocolOutput, "initialize-answered");
}

// The SDK's protocol server (the one a NativeAOT plugin runs) over the table the loader found: the plugin's generated
// table, or reflection's, whose warm-up runs once initialize is answered.
return await WorkerServer.RunAsync(loaded.Table!, loaded.Plugin!, protocolInput, protocolOutput, loaded.Prepare);
