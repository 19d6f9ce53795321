namespace Stockade.Plugin.Testing;

// A throwaway Stockade home under the temp folder: traversable by an unprivileged worker uid (the home itself 0711,
// as a root host's home should be), removed when the test is done.
internal sealed class TestHome : IDisposable
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode HomeMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private TestHome(string root, string home)
    {
        Root = root;
        Home = home;
    }

    public string Root { get; }

    public string Home { get; }

    public static TestHome Create()
    {
        var root = Path.Combine(Path.GetTempPath(), $"stockade-test-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
            return new TestHome(root, Directory.CreateDirectory(Path.Combine(root, "home")).FullName);
        }

        Directory.CreateDirectory(root, Traversable);
        var home = Directory.CreateDirectory(Path.Combine(root, "home"), HomeMode).FullName;
        return new TestHome(root, home);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A worker may hold a file for a moment; the temp folder is cleaned eventually.
        }
    }
}
