using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Stockade.Linux.Launch;

/// <summary>
/// Everything the stage-1 launcher (<c>stockade-launcher --spec &lt;base64&gt;</c>) needs to confine itself and
/// exec the target. The environment is not part of it: the launcher forwards its own environment unchanged.
/// </summary>
internal sealed class LaunchSpec
{
    /// <summary>Absolute path of the program to <c>execve</c>.</summary>
    public required string Executable { get; set; }

    /// <summary>The argument vector including <c>argv[0]</c>.</summary>
    public required IReadOnlyList<string> Arguments { get; set; }

    /// <summary>Absolute working directory the launcher changes to before confining itself.</summary>
    public string WorkingDirectory { get; set; } = "/";

    /// <summary>Resource limits.</summary>
    public LaunchRlimits Rlimits { get; set; } = new();

    /// <summary>Set <c>PR_SET_NO_NEW_PRIVS</c>. Landlock and an unprivileged seccomp filter need it.</summary>
    public bool NoNewPrivileges { get; set; } = true;

    /// <summary>Landlock confinement, or <see langword="null"/> for none.</summary>
    public LaunchLandlock? Landlock { get; set; }

    /// <summary>
    /// The worker seccomp filter installed just before <c>execve</c>, or <see langword="null"/> when the target
    /// installs its own (the .NET worker) or runs without one. Needs <see cref="NoNewPrivileges"/> unless root.
    /// </summary>
    public LaunchSeccomp? Seccomp { get; set; }

    /// <summary>
    /// The worker cgroup's <c>cgroup.procs</c> files the launcher writes its pid to before anything else (cgroup v1: one
    /// per controller; v2: one); empty for none. A failed join fails the launch: a worker never runs outside its limits.
    /// </summary>
    public IReadOnlyList<string> CgroupProcsFiles { get; set; } = [];

    /// <summary>
    /// Drop to this user when launched as root; <see langword="null"/> keeps the caller's identity. Either way the
    /// launcher drops every capability it holds (with CAP_SETPCAP also the bounding set, and it locks the
    /// securebits) and verifies the result before exec.
    /// </summary>
    public LaunchUser? User { get; set; }

    /// <summary>
    /// Mount a private tmpfs of this many bytes on <c>/tmp</c> (nosuid, nodev, noexec, mode 0700) in a mount
    /// namespace of the launcher's own, before dropping privileges; <see langword="null"/> for none. Needs
    /// CAP_SYS_ADMIN: root, or root inside the user namespace of <c>strict</c>.
    /// </summary>
    public long? PrivateTmpBytes { get; set; }

    /// <summary>Signal delivered when the parent thread dies (<c>PR_SET_PDEATHSIG</c>), e.g. 9; <see langword="null"/> for none.</summary>
    public int? ParentDeathSignal { get; set; }

    /// <summary>The spawning process's pid: the launcher exits (70) if its parent already changed. Omit inside a pid namespace.</summary>
    public int? ExpectedParentPid { get; set; }

    /// <summary>
    /// An inherited <c>SOCK_SEQPACKET</c> descriptor on which the launcher reports what it measured (Landlock status and
    /// ABI, the seccomp filter, the canary) and passes the seccomp filter's user-notification listener, so the host
    /// sees every denied call; <see langword="null"/> for no report (denied calls then fail with EPERM unseen). It is
    /// not inherited by the target unless listed in <see cref="InheritFds"/> (the .NET worker reports its own filter).
    /// </summary>
    public int? ReportFd { get; set; }

    /// <summary>Descriptors handed to the target; every other descriptor ≥ 3 is closed on exec (0–2 always stay).</summary>
    public IReadOnlyList<int> InheritFds { get; set; } = [0, 1, 2];

    /// <summary>The JSON form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, LaunchSpecJsonContext.Default.LaunchSpec);

    /// <summary>The <c>--spec</c> argument: base64 of the UTF-8 JSON.</summary>
    public string ToArgument() => Convert.ToBase64String(Encoding.UTF8.GetBytes(ToJson()));

    /// <summary>Parses a <c>--spec</c> argument; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryFromArgument(string argument, [NotNullWhen(true)] out LaunchSpec? spec, [NotNullWhen(false)] out string? error)
    {
        byte[] json;
        try
        {
            json = Convert.FromBase64String(argument ?? string.Empty);
        }
        catch (FormatException)
        {
            spec = null;
            error = "the --spec value is not base64; pass LaunchSpec.ToArgument() output or use --spec-file <path>";
            return false;
        }

        return TryFromJson(Encoding.UTF8.GetString(json), out spec, out error);
    }

    /// <summary>Parses and validates the JSON form; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryFromJson(string json, [NotNullWhen(true)] out LaunchSpec? spec, [NotNullWhen(false)] out string? error)
    {
        try
        {
            spec = JsonSerializer.Deserialize(json, LaunchSpecJsonContext.Default.LaunchSpec);
        }
        catch (JsonException ex)
        {
            spec = null;
            error = $"the launch spec is not valid JSON for LaunchSpec: {ex.Message}";
            return false;
        }

        if (spec is null)
        {
            error = "the launch spec is the JSON literal null; pass an object";
            return false;
        }

        IReadOnlyList<string> problems = spec.Validate();
        if (problems.Count > 0)
        {
            error = string.Join("; ", problems);
            spec = null;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Checks the spec for mistakes the kernel would only report halfway through the launch.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(Executable) || !Path.IsPathRooted(Executable))
        {
            problems.Add($"executable '{Executable}' must be an absolute path");
        }

        if (Arguments is null || Arguments.Count == 0)
        {
            problems.Add("arguments must contain at least argv[0]");
        }

        if (string.IsNullOrEmpty(WorkingDirectory) || !Path.IsPathRooted(WorkingDirectory))
        {
            problems.Add($"workingDirectory '{WorkingDirectory}' must be an absolute path");
        }

        if (Rlimits is null)
        {
            problems.Add("rlimits must be an object; omit it to keep the inherited limits");
        }

        if (Landlock is { } landlock)
        {
            if (landlock.PathRules is null || landlock.PinPaths is null || landlock.ConnectTcpPorts is null || landlock.BindTcpPorts is null)
            {
                problems.Add("landlock.pathRules, pinPaths, connectTcpPorts and bindTcpPorts must be arrays; omit them for none");
            }


            foreach (LaunchPathRule rule in landlock.PathRules ?? [])
            {
                if (rule is null || string.IsNullOrEmpty(rule.Path) || !Path.IsPathRooted(rule.Path) || rule.Access is null)
                {
                    problems.Add($"landlock path rule '{rule?.Path}' must have an absolute path and an access array");
                }
            }

            foreach (string pin in landlock.PinPaths ?? [])
            {
                if (string.IsNullOrEmpty(pin) || !Path.IsPathRooted(pin))
                {
                    problems.Add($"landlock pin '{pin}' must be an absolute path");
                }
            }

            foreach (int port in (landlock.ConnectTcpPorts ?? []).Concat(landlock.BindTcpPorts ?? []))
            {
                if (port is < 0 or > 65535)
                {
                    problems.Add($"TCP port {port} is outside 0–65535");
                }
            }
        }

        if (Seccomp is not null && !NoNewPrivileges)
        {
            problems.Add("seccomp needs noNewPrivileges: true (a dropped user cannot install a filter without it)");
        }

        if (CgroupProcsFiles is null)
        {
            problems.Add("cgroupProcsFiles must be an array; omit it for none");
        }

        foreach (string procs in CgroupProcsFiles ?? [])
        {
            if (string.IsNullOrEmpty(procs) || !Path.IsPathRooted(procs))
            {
                problems.Add($"cgroup procs file '{procs}' must be an absolute path");
            }
        }

        if (InheritFds is null)
        {
            problems.Add("inheritFds must be an array; omit it for [0, 1, 2]");
        }

        foreach (int fd in InheritFds ?? [])
        {
            if (fd < 0)
            {
                problems.Add($"inheritFds contains {fd}; descriptors are ≥ 0");
            }
        }

        if (ReportFd is < 3)
        {
            problems.Add($"reportFd {ReportFd} must be a descriptor ≥ 3 (0–2 are the standard streams)");
        }

        if (PrivateTmpBytes is { } tmpBytes && tmpBytes < 4096)
        {
            problems.Add($"privateTmpBytes {tmpBytes} is below one page (4096); omit it for no private /tmp");
        }

        if (ParentDeathSignal is { } signal && signal is < 1 or > 64)
        {
            problems.Add($"parentDeathSignal {signal} is not a signal number (1–64)");
        }

        return problems;
    }
}
