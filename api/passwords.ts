// Room passwords are hashed behind this interface so the API modules stay free of native addons.
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}
