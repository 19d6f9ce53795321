using Stockade.Plugin.Serving;

// The whole executable (runtime: native): the SDK's protocol server over the dispatch table the Stockade.Plugin source
// generator writes for MyPluginPlugin. The Stockade launcher confined this process (Landlock, seccomp, canary) before it
// started.
return await PluginServer.RunAsync(typeof(Program).Assembly, args);
