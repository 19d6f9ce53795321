namespace Stockade.Hosting;

/// <summary>
/// Whether this process's .NET diagnostics endpoint (the <c>dotnet-diagnostic-&lt;pid&gt;-*-socket</c> in the temp
/// folder) is on. Through it, a process that reaches the socket reads the host's environment and makes it load native
/// code; a red-team plugin did exactly that while workers could still open Unix sockets. Workers can no longer
/// (seccomp refuses <c>socket()</c>), but every other local process of the host's user still can.
/// </summary>
public static class HostDiagnosticsEndpoint
{
    /// <summary>The endpoint's socket when it is on, or <see langword="null"/> when diagnostics are off or no socket exists.</summary>
    public static string? FindOpenSocket()
    {
        if (IsZero("DOTNET_EnableDiagnostics") || IsZero("COMPlus_EnableDiagnostics") || IsZero("DOTNET_EnableDiagnostics_IPC"))
        {
            return null;
        }

        string prefix = $"dotnet-diagnostic-{Environment.ProcessId}-";
        foreach (string? folder in new[] { Environment.GetEnvironmentVariable("TMPDIR"), "/tmp" })
        {
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
            {
                continue;
            }

            try
            {
                foreach (string path in Directory.EnumerateFileSystemEntries(folder, prefix + "*"))
                {
                    return path;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An unreadable temp folder proves nothing either way; the environment check above is the primary one.
            }
        }

        return null;
    }

    /// <summary>
    /// Removes this process's own diagnostics socket, so no process can connect to it by name (the runtime's listener
    /// stays, nameless). For programs that cannot set <c>DOTNET_EnableDiagnostics=0</c> before their runtime starts:
    /// the runtime reads it from the environment only; its runtimeconfig.json knobs (System.Runtime.EnableDiagnostics,
    /// EnableDiagnostics, EnableDiagnostics_IPC) were measured to be ignored on .NET 10. Call it before any worker
    /// exists. Returns the removed path, or <see langword="null"/>.
    /// </summary>
    public static string? RemoveOwnSocket()
    {
        string? socket = FindOpenSocket();
        if (socket is null)
        {
            return null;
        }

        try
        {
            File.Delete(socket);
            return socket;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>What to tell the operator when <see cref="FindOpenSocket"/> found one.</summary>
    public static string Warning(string socket) =>
        $"this host's .NET diagnostics endpoint is on ({socket}): any local process of its user can read its environment and make it load code; set DOTNET_EnableDiagnostics=0 in the host application's environment";

    private static bool IsZero(string name) => Environment.GetEnvironmentVariable(name) == "0";
}
