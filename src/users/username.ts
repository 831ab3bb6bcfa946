/**
 * The one username rule, for the API's DTOs and the admin CLI alike: the
 * CLI must not create users the API could not.
 */
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 64;
export const USERNAME_PATTERN = new RegExp(`^[A-Za-z0-9._@+-]{${USERNAME_MIN_LENGTH},${USERNAME_MAX_LENGTH}}$`);
export const USERNAME_RULE = `username must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters of A-Z a-z 0-9 . _ @ + -`;
