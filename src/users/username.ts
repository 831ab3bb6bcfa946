/**
 * The one username rule, for the API's DTOs and the admin CLI alike: the
 * CLI must not create users the API could not.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]{3,64}$/;
export const USERNAME_RULE = 'username must be 3 to 64 characters of A-Z a-z 0-9 . _ @ + -';
