using System.Security.Cryptography;
using System.Text;

namespace Stockade.Hosting.Audit;

/// <summary>
/// The ECDSA P-256 key that signs the audit log's heads (as package signing uses). It is kept outside the Stockade home,
/// so someone who can write the audit folder and <c>stockade.db</c> still cannot sign: records they append are not
/// covered by any signed head, and <c>stockade audit verify</c> reports them. The private key file is PKCS#8 PEM, mode
/// 0600, created on first use.
/// </summary>
public sealed class AuditSigningKey : IDisposable
{
    /// <summary>Environment variable naming the key file; overrides the default place.</summary>
    public const string PathVariable = "STOCKADE_AUDIT_KEY";

    private readonly ECDsa _key;

    private AuditSigningKey(ECDsa key, bool canSign, string? path)
    {
        _key = key;
        CanSign = canSign;
        Path = path;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    /// <summary>First 16 hex characters of the SHA-256 of the public key (SubjectPublicKeyInfo DER), as package keys.</summary>
    public string KeyId { get; }

    /// <summary>True when this holds the private key (a writer); false for a public key (verification only).</summary>
    public bool CanSign { get; }

    /// <summary>The file the key came from, if any.</summary>
    public string? Path { get; }

    /// <summary>
    /// Where the key lives when nobody says otherwise: <c>$STOCKADE_AUDIT_KEY</c>; for root <c>/etc/stockade/audit-signing.pem</c>;
    /// otherwise <c>$XDG_CONFIG_HOME/stockade/audit-signing.pem</c> (<c>~/.config/stockade/…</c>). Never inside a home.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(PathVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return System.IO.Path.GetFullPath(configured);
            }

            if (OperatingSystem.IsLinux() && Environment.UserName == "root")
            {
                return "/etc/stockade/audit-signing.pem";
            }

            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            if (string.IsNullOrWhiteSpace(config) || !System.IO.Path.IsPathRooted(config))
            {
                config = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }

            return System.IO.Path.Combine(config, "stockade", "audit-signing.pem");
        }
    }

    /// <summary>
    /// Reads the private key at <paramref name="path"/>, creating it (0600, folder 0700) when it does not exist. A key
    /// that group or others can read is refused: anyone who can read it can sign.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <exception cref="AuditWriteException">The key cannot be created or read, or it is not private.</exception>
    public static AuditSigningKey LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = System.IO.Path.GetFullPath(path);
        try
        {
            if (!File.Exists(path))
            {
                Create(path);
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw new AuditWriteException($"the audit signing key {path} can be read or written by other users, so it cannot vouch for the log — chmod 600 {path} (and replace the key if others may have copied it)");
            }

            return Import(File.ReadAllText(path), path) is { CanSign: true } key
                ? key
                : throw new AuditWriteException($"{path} holds no EC private key — point {PathVariable} at the audit signing key (PKCS#8 PEM), or move the file away to have a new one made");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new AuditWriteException($"cannot use the audit signing key {path}: {ex.Message} — make it readable by this user only, or set {PathVariable} to another file", ex);
        }
    }

    /// <summary>Reads a key (private or public PEM) for verification, or for signing when it is private.</summary>
    /// <param name="path">A PEM file.</param>
    /// <exception cref="AuditWriteException">The file is missing or holds no EC key.</exception>
    public static AuditSigningKey Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return Import(File.ReadAllText(path), System.IO.Path.GetFullPath(path))
                ?? throw new AuditWriteException($"{path} holds no EC key in PEM form");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new AuditWriteException($"cannot read the audit signing key {path}: {ex.Message}", ex);
        }
    }

    /// <summary>The public key as PEM (SubjectPublicKeyInfo), to give a verifier that must not hold the private key.</summary>
    public string ExportPublicKeyPem() => _key.ExportSubjectPublicKeyInfoPem();

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    internal byte[] Sign(ReadOnlySpan<byte> data) => _key.SignData(data, HashAlgorithmName.SHA256);

    internal bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => _key.VerifyData(data, signature, HashAlgorithmName.SHA256);

    private static AuditSigningKey? Import(string pem, string? path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            bool canSign;
            try
            {
                key.ExportParameters(includePrivateParameters: true);
                canSign = true;
            }
            catch (CryptographicException)
            {
                canSign = false;
            }

            return new AuditSigningKey(key, canSign, path);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            return null;
        }
    }

    private static void Create(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var temp = path + ".new-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"));
            stream.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temp, path, overwrite: false); // two first uses at once: the first key stays, the second is dropped
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }
    }
}
