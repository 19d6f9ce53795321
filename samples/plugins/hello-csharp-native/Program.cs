using Stockade.Plugin.Serving;

// The whole executable: the SDK's protocol server over the plugin's dispatch table, which the assembly names
// ([assembly: PluginDispatchTable], written by the source generator). Confinement (Landlock, seccomp, the canary) was
// applied by the Stockade launcher before this process started.
return await PluginServer.RunAsync(typeof(Program).Assembly, args);
