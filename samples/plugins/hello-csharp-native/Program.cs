using Samples.HelloNative;
using Stockade.Plugin.Serving;

// The whole executable: the SDK's protocol server over the plugin's dispatch table. Confinement (Landlock, seccomp, the
// canary) was applied by the Stockade launcher before this process started.
return await PluginServer.RunAsync(new HelloNativeDispatchTable(), args);
