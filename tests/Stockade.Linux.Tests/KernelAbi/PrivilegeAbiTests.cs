using Stockade.Linux.Tests.Infrastructure;
using static Stockade.Linux.Interop;

namespace Stockade.Linux.Tests.KernelAbi;

/// <summary>
/// The constants and layouts of the privilege drop (capabilities, securebits, the private /tmp mount, lstat's
/// owner fields) compared with what gcc and the installed headers say.
/// </summary>
public sealed class PrivilegeAbiTests
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stddef.h>
        #include <sched.h>
        #include <sys/mount.h>
        #include <sys/prctl.h>
        #include <sys/stat.h>
        #include <linux/capability.h>
        #include <linux/securebits.h>
        #define P(name, value) printf("%s=%lld\n", name, (long long)(value))

        int main(void) {
          P("PR_CAPBSET_READ", PR_CAPBSET_READ); P("PR_CAPBSET_DROP", PR_CAPBSET_DROP);
          P("PR_GET_SECUREBITS", PR_GET_SECUREBITS); P("PR_SET_SECUREBITS", PR_SET_SECUREBITS);
          P("PR_CAP_AMBIENT", PR_CAP_AMBIENT); P("PR_CAP_AMBIENT_CLEAR_ALL", PR_CAP_AMBIENT_CLEAR_ALL);
          P("SECBIT_NOROOT", SECBIT_NOROOT); P("SECBIT_NOROOT_LOCKED", SECBIT_NOROOT_LOCKED);
          P("SECBIT_NO_SETUID_FIXUP", SECBIT_NO_SETUID_FIXUP); P("SECBIT_NO_SETUID_FIXUP_LOCKED", SECBIT_NO_SETUID_FIXUP_LOCKED);
          P("SECBIT_KEEP_CAPS", SECBIT_KEEP_CAPS); P("SECBIT_KEEP_CAPS_LOCKED", SECBIT_KEEP_CAPS_LOCKED);
          P("SECBIT_NO_CAP_AMBIENT_RAISE", SECBIT_NO_CAP_AMBIENT_RAISE); P("SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED", SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED);
          P("_LINUX_CAPABILITY_VERSION_3", _LINUX_CAPABILITY_VERSION_3);
          P("CAP_SETGID", CAP_SETGID); P("CAP_SETUID", CAP_SETUID); P("CAP_SETPCAP", CAP_SETPCAP); P("CAP_SYS_ADMIN", CAP_SYS_ADMIN);
          P("sizeof(__user_cap_header_struct)", sizeof(struct __user_cap_header_struct));
          P("offsetof(__user_cap_header_struct.pid)", offsetof(struct __user_cap_header_struct, pid));
          P("sizeof(__user_cap_data_struct)", sizeof(struct __user_cap_data_struct));
          P("offsetof(__user_cap_data_struct.permitted)", offsetof(struct __user_cap_data_struct, permitted));
          P("offsetof(__user_cap_data_struct.inheritable)", offsetof(struct __user_cap_data_struct, inheritable));
          P("MS_NOSUID", MS_NOSUID); P("MS_NODEV", MS_NODEV); P("MS_NOEXEC", MS_NOEXEC); P("MS_BIND", MS_BIND);
          P("MS_REC", MS_REC); P("MS_PRIVATE", MS_PRIVATE); P("CLONE_NEWNS", CLONE_NEWNS);
          P("sizeof(stat)", sizeof(struct stat)); P("offsetof(stat.st_mode)", offsetof(struct stat, st_mode));
          P("offsetof(stat.st_uid)", offsetof(struct stat, st_uid)); P("offsetof(stat.st_gid)", offsetof(struct stat, st_gid));
          return 0;
        }
        """;

    private static readonly Lazy<Dictionary<string, string>> CValues = new(() =>
    {
        string directory = Directory.CreateTempSubdirectory("stockade-privabi-").FullName;
        string program = NativeProgram.Compile(Source, Path.Combine(directory, "abi"));
        ProcessResult result = NativeProgram.Run(program, []);
        result.ExitCode.ShouldBe(0);
        return result.Values();
    });

    public static TheoryData<string, long> Declared => new()
    {
        { "PR_CAPBSET_READ", PR_CAPBSET_READ }, { "PR_CAPBSET_DROP", PR_CAPBSET_DROP },
        { "PR_GET_SECUREBITS", PR_GET_SECUREBITS }, { "PR_SET_SECUREBITS", PR_SET_SECUREBITS },
        { "PR_CAP_AMBIENT", PR_CAP_AMBIENT }, { "PR_CAP_AMBIENT_CLEAR_ALL", PR_CAP_AMBIENT_CLEAR_ALL },
        { "SECBIT_NOROOT", SECBIT_NOROOT }, { "SECBIT_NOROOT_LOCKED", SECBIT_NOROOT_LOCKED },
        { "SECBIT_NO_SETUID_FIXUP", SECBIT_NO_SETUID_FIXUP }, { "SECBIT_NO_SETUID_FIXUP_LOCKED", SECBIT_NO_SETUID_FIXUP_LOCKED },
        { "SECBIT_KEEP_CAPS", SECBIT_KEEP_CAPS }, { "SECBIT_KEEP_CAPS_LOCKED", SECBIT_KEEP_CAPS_LOCKED },
        { "SECBIT_NO_CAP_AMBIENT_RAISE", SECBIT_NO_CAP_AMBIENT_RAISE }, { "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED", SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED },
        { "_LINUX_CAPABILITY_VERSION_3", _LINUX_CAPABILITY_VERSION_3 },
        { "CAP_SETGID", CAP_SETGID }, { "CAP_SETUID", CAP_SETUID }, { "CAP_SETPCAP", CAP_SETPCAP }, { "CAP_SYS_ADMIN", CAP_SYS_ADMIN },
        { "sizeof(__user_cap_header_struct)", System.Runtime.InteropServices.Marshal.SizeOf<__user_cap_header_struct>() },
        { "offsetof(__user_cap_header_struct.pid)", System.Runtime.InteropServices.Marshal.OffsetOf<__user_cap_header_struct>(nameof(__user_cap_header_struct.pid)) },
        { "sizeof(__user_cap_data_struct)", System.Runtime.InteropServices.Marshal.SizeOf<__user_cap_data_struct>() },
        { "offsetof(__user_cap_data_struct.permitted)", System.Runtime.InteropServices.Marshal.OffsetOf<__user_cap_data_struct>(nameof(__user_cap_data_struct.permitted)) },
        { "offsetof(__user_cap_data_struct.inheritable)", System.Runtime.InteropServices.Marshal.OffsetOf<__user_cap_data_struct>(nameof(__user_cap_data_struct.inheritable)) },
        { "MS_NOSUID", (long)MS_NOSUID }, { "MS_NODEV", (long)MS_NODEV }, { "MS_NOEXEC", (long)MS_NOEXEC }, { "MS_BIND", (long)MS_BIND },
        { "MS_REC", (long)MS_REC }, { "MS_PRIVATE", (long)MS_PRIVATE }, { "CLONE_NEWNS", CLONE_NEWNS },
        { "sizeof(stat)", SizeOfStat }, { "offsetof(stat.st_mode)", StatModeOffset },
        { "offsetof(stat.st_uid)", StatUidOffset }, { "offsetof(stat.st_gid)", StatGidOffset },
    };

    [GccTheory]
    [MemberData(nameof(Declared))]
    public void Declaration_ComparedWithCompiledC_IsEqual(string name, long declared) =>
        long.Parse(CValues.Value[name], System.Globalization.CultureInfo.InvariantCulture).ShouldBe(declared, name);
}
