/** What a signed-in user may read about their own account (GET /auth/me). */
export interface UserProfile {
  id: string;
  username: string;
  twoFactorEnabled: boolean;
}
