using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cgroups;

/// <summary>One C program with the hostile workloads the cgroup must hold: memory hogs (private and shared), a spinner, fork and thread bombs, a child that leaves its parent's tree, and fork chains that keep replacing themselves.</summary>
internal static class CgroupHostileProgram
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <pthread.h>
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <sys/wait.h>
        #include <time.h>
        #include <unistd.h>

        static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
        static void *sleeper(void *a) { (void)a; pause(); return 0; }

        int main(int argc, char **argv) {
          if (argc < 3) return 2;
          const char *mode = argv[1];
          int n = atoi(argv[2]);
          setvbuf(stdout, NULL, _IONBF, 0);
          if (!strcmp(mode, "private") || !strcmp(mode, "shared")) {
            int shared = !strcmp(mode, "shared");
            for (int i = 0; i < n; i++) {
              char *p = shared ? mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) : malloc(1 << 20);
              if (p == NULL || p == MAP_FAILED) { printf("failed at %d MiB\n", i); return 3; }
              memset(p, 1, 1 << 20);
            }
            printf("allocated %d MiB\n", n);
            return 0;
          }
          if (!strcmp(mode, "spin")) {
            double end = now() + n; volatile unsigned long x = 0;
            while (now() < end) x++;
            return 0;
          }
          if (!strcmp(mode, "forkbomb") || !strcmp(mode, "threadbomb")) {
            int made = 0, failed = 0; double end = now() + n;
            while (now() < end) {
              int ok;
              if (mode[0] == 'f') { pid_t p = fork(); if (p == 0) { pause(); _exit(0); } ok = p > 0; }
              else { pthread_t t; ok = pthread_create(&t, 0, sleeper, 0) == 0; }
              if (ok) made++; else { failed++; usleep(1000); }
            }
            printf("made=%d failed=%d\n", made, failed);
            pause();
            return 0;
          }
          if (!strcmp(mode, "respawn")) {
            /* n chains, each a moving target: a link forks its successor and exits at once, so a pid read is gone by the time it is killed. */
            for (int i = 1; i < n; i++) if (fork() == 0) break;
            for (;;) { pid_t p = fork(); if (p > 0) _exit(0); if (p < 0) usleep(100); }
          }
          if (!strcmp(mode, "escape")) {
            pid_t p = fork();
            if (p == 0) { setsid(); if (fork() == 0) { printf("grandchild=%d\n", getpid()); pause(); _exit(0); } _exit(0); }
            waitpid(p, 0, 0);
            sleep(n);
            return 0;
          }
          return 2;
        }
        """;

    private static readonly Lock Gate = new();

    /// <summary>Compiles once into <paramref name="directory"/> (world-readable so uid 65534 can run it) and returns the path.</summary>
    public static string In(string directory)
    {
        string path = Path.Combine(directory, "cgroup-hostile");
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                string source = path + ".c";
                File.WriteAllText(source, Source);
                ProcessResult result = NativeProgram.Run("/usr/bin/gcc", ["-O1", "-pthread", "-o", path, source]);
                result.ExitCode.ShouldBe(0, $"gcc failed: {result.StandardError}");
                File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
            }
        }

        return path;
    }
}
