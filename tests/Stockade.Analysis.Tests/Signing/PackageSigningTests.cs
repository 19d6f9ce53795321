using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Stockade.Analysis.Signing;

namespace Stockade.Analysis.Tests.Signing;

public sealed class PackageSigningTests : IDisposable
{
    private readonly TempDirectory _keys = new();
    private readonly TempDirectory _plugin = new();
    private readonly GeneratedKey _key;
    private readonly DictionaryTrustStore _trust = new();

    public PackageSigningTests()
    {
        _key = PackageSigner.GenerateKey(Path.Combine(_keys.Path, "author"));
        _trust.Add(_key.KeyId, File.ReadAllText(_key.PublicKeyPath));
        _plugin.Write("plugin.yaml", "id: acme.clean\nversion: 1.0.0\n");
        _plugin.Write(".hidden", "dotfiles are signed too");
        _plugin.Write("obj/cache.txt", "build leftovers are not signed");
        Directory.CreateDirectory(Path.Combine(_plugin.Path, "lib"));
        File.Copy(Fixtures.Assembly("Fixture.Clean"), Path.Combine(_plugin.Path, "lib", "Fixture.Clean.dll"));
    }

    public void Dispose()
    {
        _keys.Dispose();
        _plugin.Dispose();
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void GenerateKey_NewPrefix_WritesPrivateKeyReadableOnlyByOwner()
    {
        File.GetUnixFileMode(_key.PrivateKeyPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.ReadAllText(_key.PrivateKeyPath).ShouldStartWith("-----BEGIN PRIVATE KEY-----");
        File.ReadAllText(_key.PublicKeyPath).ShouldStartWith("-----BEGIN PUBLIC KEY-----");
        _key.KeyId.ShouldMatch("^[0-9a-f]{16}$");
    }

    [Fact]
    public void GenerateKey_ExistingPrefix_RefusesToOverwrite()
    {
        var before = File.ReadAllText(_key.PrivateKeyPath);

        Should.Throw<IOException>(() => PackageSigner.GenerateKey(Path.Combine(_keys.Path, "author")));

        File.ReadAllText(_key.PrivateKeyPath).ShouldBe(before);
    }

    [Fact]
    public void TryComputeKeyId_PublicKey_IsPrefixOfSpkiSha256()
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(_key.PublicKeyPath));
        var expected = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

        PackageSigner.TryComputeKeyId(File.ReadAllText(_key.PublicKeyPath), out var keyId).ShouldBeTrue();

        keyId.ShouldBe(expected);
        keyId.ShouldBe(_key.KeyId);
    }

    [Fact]
    public void Sign_ThenVerify_Untouched_IsValid()
    {
        var signed = Sign();

        signed.FileCount.ShouldBe(3);
        var result = PackageVerifier.Verify(_plugin.Path, _trust);
        result.Status.ShouldBe(SignatureStatus.Valid);
        result.KeyId.ShouldBe(_key.KeyId);
        result.Problem.ShouldBeNull();
    }

    [Fact]
    public void Sign_SignatureFile_ListsEveryFileExceptObjAndItself()
    {
        Sign();

        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(_plugin.Path, "stockade.sig")))!;
        document["version"]!.GetValue<int>().ShouldBe(1);
        document["algorithm"]!.GetValue<string>().ShouldBe("ES256");
        var paths = document["fileList"]!.GetValue<string>().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[66..]);
        paths.ShouldBe([".hidden", "lib/Fixture.Clean.dll", "plugin.yaml"]);
    }

    [Fact]
    public void Verify_NoSignature_IsUnsigned()
    {
        PackageVerifier.Verify(_plugin.Path, _trust).Status.ShouldBe(SignatureStatus.Unsigned);
    }

    [Fact]
    public void Verify_OneByteChanged_IsFileChangedNamingTheFile()
    {
        Sign();
        var dll = Path.Combine(_plugin.Path, "lib", "Fixture.Clean.dll");
        var bytes = File.ReadAllBytes(dll);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(dll, bytes);

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.FileChanged);
        result.Problem.ShouldNotBeNull().ShouldContain("'lib/Fixture.Clean.dll'");
    }

    [Fact]
    public void Verify_ManifestSwapped_IsFileChangedNamingTheManifest()
    {
        Sign();
        _plugin.Write("plugin.yaml", "id: acme.clean\nversion: 1.0.0\npermissions:\n  required: [\"file:write=/\"]\n");

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.FileChanged);
        result.Problem.ShouldNotBeNull().ShouldContain("'plugin.yaml'");
    }

    [Fact]
    public void Verify_FileAdded_IsFileAddedNamingTheFile()
    {
        Sign();
        _plugin.Write("lib/.evil.so", "payload");

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.FileAdded);
        result.Problem.ShouldNotBeNull().ShouldContain("'lib/.evil.so'");
    }

    [Fact]
    public void Verify_FileRemoved_IsFileRemovedNamingTheFile()
    {
        Sign();
        File.Delete(Path.Combine(_plugin.Path, ".hidden"));

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.FileRemoved);
        result.Problem.ShouldNotBeNull().ShouldContain("'.hidden'");
    }

    [Fact]
    public void Verify_ObjFolderChanged_IsStillValid()
    {
        Sign();
        _plugin.Write("obj/other.txt", "ignored");

        PackageVerifier.Verify(_plugin.Path, _trust).Status.ShouldBe(SignatureStatus.Valid);
    }

    [Fact]
    public void Verify_SignedByUntrustedKey_IsUntrustedKey()
    {
        var stranger = PackageSigner.GenerateKey(Path.Combine(_keys.Path, "stranger"));
        PackageSigner.Sign(_plugin.Path, File.ReadAllText(stranger.PrivateKeyPath)).Succeeded.ShouldBeTrue();

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.UntrustedKey);
        result.KeyId.ShouldBe(stranger.KeyId);
        result.Problem.ShouldNotBeNull().ShouldContain("stockade trust add");
    }

    [Fact]
    public void Verify_SignedByOtherKeyClaimingTrustedId_IsBadSignature()
    {
        var stranger = PackageSigner.GenerateKey(Path.Combine(_keys.Path, "stranger"));
        PackageSigner.Sign(_plugin.Path, File.ReadAllText(stranger.PrivateKeyPath)).Succeeded.ShouldBeTrue();
        var sigPath = Path.Combine(_plugin.Path, "stockade.sig");
        File.WriteAllText(sigPath, File.ReadAllText(sigPath).Replace(stranger.KeyId, _key.KeyId, StringComparison.Ordinal));

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.BadSignature);
        result.KeyId.ShouldBe(_key.KeyId);
    }

    [Fact]
    public void Verify_FileListEditedInSignature_IsBadSignature()
    {
        Sign();
        var sigPath = Path.Combine(_plugin.Path, "stockade.sig");
        var document = JsonNode.Parse(File.ReadAllText(sigPath))!;
        document["fileList"] = document["fileList"]!.GetValue<string>().Replace("plugin.yaml", "plugin.yml", StringComparison.Ordinal);
        File.WriteAllText(sigPath, document.ToJsonString());

        PackageVerifier.Verify(_plugin.Path, _trust).Status.ShouldBe(SignatureStatus.BadSignature);
    }

    [Fact]
    public void Verify_GarbageSignatureFile_IsBadSignatureWithoutThrowing()
    {
        _plugin.Write("stockade.sig", "{ not json");

        var result = PackageVerifier.Verify(_plugin.Path, _trust);

        result.Status.ShouldBe(SignatureStatus.BadSignature);
        result.Problem.ShouldNotBeNull().ShouldContain("sign the plugin again");
    }

    [Fact]
    public void Sign_PublicKeyInsteadOfPrivate_FailsWithProblem()
    {
        var result = PackageSigner.Sign(_plugin.Path, File.ReadAllText(_key.PublicKeyPath));

        result.Succeeded.ShouldBeFalse();
        result.Problem.ShouldNotBeNull().ShouldContain("private key");
        File.Exists(Path.Combine(_plugin.Path, "stockade.sig")).ShouldBeFalse();
    }

    [Fact]
    public void Sign_NotAPem_FailsWithProblem()
    {
        var result = PackageSigner.Sign(_plugin.Path, "hello");

        result.Succeeded.ShouldBeFalse();
        result.Problem.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void DirectoryHash_ResigningAndObj_DoNotChangeItButContentDoes()
    {
        var before = DirectoryHash.Compute(_plugin.Path);
        Sign();
        _plugin.Write("obj/more.txt", "ignored");
        DirectoryHash.Compute(_plugin.Path).ShouldBe(before);

        _plugin.Write("plugin.yaml", "id: acme.other\n");

        DirectoryHash.Compute(_plugin.Path).ShouldNotBe(before);
    }

    private SigningResult Sign()
    {
        var result = PackageSigner.Sign(_plugin.Path, File.ReadAllText(_key.PrivateKeyPath));
        result.Succeeded.ShouldBeTrue(result.Problem);
        result.KeyId.ShouldBe(_key.KeyId);
        return result;
    }
}
