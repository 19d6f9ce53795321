using Stockade.Plugin.Serving;

namespace Stockade.Protocol.Tests;

public sealed class DenialReportTests
{
    [Fact]
    public void FromException_DotNetAccessDeniedMessage_ExtractsPath()
    {
        var report = DenialReport.FromException(new UnauthorizedAccessException("Access to the path '/etc/it''s secret' is denied."));

        report.ShouldNotBeNull();
        report.Kind.ShouldBe("file");
        report.Path.ShouldBe("/etc/it''s secret");
        report.Errno.ShouldBe(13);
    }

    [Fact]
    public void FromException_MessageWithoutPath_ReturnsNull()
    {
        DenialReport.FromException(new UnauthorizedAccessException("Access is denied.")).ShouldBeNull();
    }

    [Fact]
    public void FromException_ThrownByFileReadAllText_OperationIsRead()
    {
        var secret = Path.Combine(Directory.CreateTempSubdirectory("stockade-denial-").FullName, "secret");
        Directory.CreateDirectory(secret);

        // Opening a directory as a file is refused with the same exception and message shape a Landlock denial produces.
        var denied = Should.Throw<UnauthorizedAccessException>(() => File.ReadAllText(secret));
        var report = DenialReport.FromException(denied);

        report.ShouldNotBeNull();
        report.Path.ShouldBe(secret);
        report.Operation.ShouldBe("read");
        Directory.Delete(Path.GetDirectoryName(secret)!, recursive: true);
    }
}
