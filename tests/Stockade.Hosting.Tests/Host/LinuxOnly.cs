// The host tests run real confined workers: Landlock, seccomp and /proc exist on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
